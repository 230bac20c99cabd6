"""Packet rings a device element reads and writes directly: PACKET_MMAP (packet_mmap) and
AF_XDP (af_xdp)."""
from __future__ import annotations

# Which ring each METHOD word selects.  Click's LINUX is its packet-socket method
# and PCAP reads the same packet sockets through libpcap: both map to PACKET_MMAP.
AFPACKET_WORDS = (None, "AFPACKET", "LINUX", "PCAP")


def ring_method(element: str, method: str | None) -> str:
    """The ring type for a device element's METHOD (AFPACKET or AFXDP); ValueError for
    those not available yet."""
    if method in AFPACKET_WORDS:
        return "AFPACKET"
    if method == "AFXDP":
        return "AFXDP"
    raise ValueError(f"METHOD {method} is not available yet; use METHOD AFPACKET "
                     f"(Linux PACKET_MMAP rings), which {element} uses by default, or "
                     "METHOD AFXDP (AF_XDP rings)")
