"""UDP frames told apart by their IP ID, for tests that follow packets through queues."""
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether


def frame(k: int) -> bytes:
    return bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", id=k) / UDP(sport=1000 + k)
                 / b"payload")


def ident(data: bytes) -> int:
    return Ether(data)[IP].id


def data_arg(k: int) -> str:
    """frame(k) as a Click DATA argument."""
    return "\\<" + frame(k).hex() + ">"
