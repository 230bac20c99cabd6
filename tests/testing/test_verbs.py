"""The verbs, on small configurations: what passes, what fails and what a failure says."""
import pytest
from scapy.layers.inet import IP

from clickpy.diagnostics import ConfigError
from clickpy.testing import (ModeUnavailable, VerificationError, count_matched_packets, masked,
                             open_middlebox, send_packet, simple_tcp_packet, simple_udp_packet,
                             verify_no_other_packets, verify_no_packet, verify_packet,
                             verify_packet_any_port, verify_packets)

# eth0 -> eth1 with the TTL decremented; eth1 -> eth0 and a copy to eth2.
TTL = """
FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> dec :: DecIPTTL -> Unstrip(14)
    -> c :: Counter -> Queue(64) -> ToDevice(eth1);
dec[1] -> Discard;
FromDevice(eth1) -> t :: Tee(2) -> Queue(64) -> ToDevice(eth0);
t[1] -> Queue(64) -> ToDevice(eth2);
"""


@pytest.fixture
def box():
    with open_middlebox(TTL) as mb:
        yield mb


def test_send_and_verify_as_ptf_functions(box):
    p = simple_udp_packet()
    send_packet(box, "eth0", p, count=2)
    got = verify_packet(box, masked(p, "ttl", "checksums"), "eth1")
    assert got[IP].ttl == 63
    assert count_matched_packets(box, simple_udp_packet(ip_ttl=63), "eth1") == 1
    verify_no_other_packets(box)
    assert box.read("c", "count") == "2"


def test_verify_packet_failure_compares_field_by_field(box):
    box.send("eth0", simple_udp_packet())
    with pytest.raises(VerificationError) as e:
        box.verify_packet(simple_udp_packet(), "eth1")        # the TTL is 63, not 64
    text = str(e.value)
    assert "expected packet did not arrive on eth1" in text
    assert "arrived on eth1: 1 packet(s) not yet verified" in text
    ttl = next(line for line in text.splitlines() if " ttl " in line)
    assert ttl.lstrip().startswith("!") and "arrived: 63" in ttl


def test_verify_no_other_packets_names_the_leftovers(box):
    box.send("eth1", simple_tcp_packet())
    box.verify_packet(simple_tcp_packet(), "eth0")
    with pytest.raises(VerificationError, match=r"(?s)no verification expected:.*on eth2: Ether"):
        box.verify_no_other_packets()
    box.flush()
    box.verify_no_other_packets()


def test_verify_packets_and_any_port(box):
    p = simple_tcp_packet(tcp_dport=22)
    box.send("eth1", p)
    verify_packets(box, p, ["eth0", "eth2"])
    box.send("eth1", p)
    box.verify_packet(p, "eth0")
    assert verify_packet_any_port(box, p, ["eth1", "eth2"]) == 1
    with pytest.raises(VerificationError, match="arrived on none of eth1, eth2"):
        verify_packet_any_port(box, p, ["eth1", "eth2"])


def test_verify_no_packet(box):
    box.send("eth0", simple_udp_packet(ip_ttl=1))               # expires: dropped
    verify_no_packet(box, masked(simple_udp_packet(), "ttl", "checksums"), "eth1")
    box.send("eth0", simple_udp_packet())
    with pytest.raises(VerificationError, match="should not have"):
        verify_no_packet(box, masked(simple_udp_packet(), "ttl", "checksums"), "eth1")


def test_unknown_ports_and_frames_too_big_are_clear_errors(box):
    with pytest.raises(KeyError, match="no input port 'eth9'"):
        box.send("eth9", simple_udp_packet())
    with pytest.raises(KeyError, match="no output port 'eth9'"):
        box.verify_packet(simple_udp_packet(), "eth9")
    with pytest.raises(ValueError, match="does not fit a packet slot"):
        box.send("eth0", bytes(3000))


def test_configurations_by_name_path_and_text(tmp_path):
    path = tmp_path / "w.click"
    path.write_text("FromDevice(a) -> Queue -> ToDevice(b);")
    for config in ("wire", str(path), path):
        with open_middlebox(config) as mb:
            assert mb.inputs and mb.outputs
    with open_middlebox("wire", yaml=True, A="x", B="y") as mb:
        assert (mb.inputs, mb.outputs) == (("x", "y"), ("x", "y"))
    with pytest.raises(FileNotFoundError, match="no shipped middlebox named 'nope'"):
        open_middlebox("nope")
    with pytest.raises(ConfigError, match="Cuonter"):
        open_middlebox("FromDevice(a) -> Cuonter -> ToDevice(b);")


def test_modes_that_cannot_run_say_why(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))           # no ip, qemu, gcc or ld here
    for mode in ("network", "image"):
        with pytest.raises(ModeUnavailable, match=f"{mode} mode"):
            open_middlebox("wire", mode=mode)
    with pytest.raises(ValueError, match="unknown mode"):
        open_middlebox("wire", mode="cloud")
