"""Network and image mode: the same verbs over veths and taps, and what each mode lacks.

These need root, iproute2 and (image mode) QEMU and gcc; elsewhere they skip,
saying what is missing.  Every namespace, veth and tap they make has a fresh
name and is gone once the middlebox is closed, even when opening it fails.
"""
import pytest

from clickpy import netns
from clickpy.runtime.router import HandlerError
from clickpy.testing import (ModeUnavailable, open_middlebox, simple_arp_packet,
                             simple_udp_packet, unavailable)

COUNTED = "FromDevice(eth0) -> c :: Counter -> Queue(64) -> ToDevice(eth1);"


def needs(mode):
    why = unavailable(mode)
    return pytest.mark.skipif(why is not None, reason=why or "")


def made_by(backend) -> list[str]:
    if backend.mode == "network":
        return list(backend.topology.names.values())
    return [p.ns for p in backend.ports.values()]


@pytest.mark.parametrize("mode", ["network", "image"])
def test_verbs_handlers_and_account_over_a_real_link(mode):
    if unavailable(mode):
        pytest.skip(unavailable(mode))
    mb = open_middlebox(COUNTED, mode=mode)
    made = made_by(mb.backend)
    try:
        assert all(netns.netns_exists(n) for n in made)
        frames = [simple_udp_packet(udp_sport=k) for k in range(3)]
        mb.send("eth0", frames)
        for f in frames:
            mb.verify_packet(f, "eth1")
        mb.verify_no_other_packets()
        assert mb.read("c", "count") == "3"
        mb.write("c", "reset")
        assert mb.read("c", "count") == "0"
        with pytest.raises(HandlerError, match="no element named"):
            mb.read("nobody", "count")
        acct = mb.account()
        assert acct.entered == 3 and acct.balanced
        # IPv6 is off and nothing has an address: with no traffic, nothing arrives at all.
        assert mb.advance(0.5) == {"eth1": []}
        with pytest.raises(ModeUnavailable, match="no rounds to step"):
            mb.step()
        with pytest.raises(ModeUnavailable, match="shorter than an Ethernet header"):
            mb.send("eth0", b"\x01" * 10)
    finally:
        mb.close()
    assert not any(netns.netns_exists(n) for n in made)


@needs("network")
def test_network_mode_keeps_tohost_as_the_host_port():
    with open_middlebox("router", mode="network") as router:
        assert router.outputs == ("eth0", "eth1", "host")
        router.send("eth0", simple_arp_packet(eth_src="02:00:00:00:01:02", ip_snd="10.0.1.2",
                                              ip_tgt="10.0.1.1"))
        assert len(router.received("eth0")) == 1          # the ARP reply, over the veth


@needs("network")
def test_network_mode_removes_its_namespaces_when_opening_fails(monkeypatch, tmp_path):
    made = []
    up = netns.Topology.up

    def record(self):
        made.append(self)
        return up(self)
    monkeypatch.setattr(netns.Topology, "up", record)
    broken = COUNTED + f'FromDump("{tmp_path}/none.pcap") -> Discard;'
    with pytest.raises(Exception, match="none.pcap"):
        open_middlebox(broken, mode="network")
    assert made and not any(netns.netns_exists(n) for n in made[0].names.values())


@needs("image")
def test_images_are_built_once_per_configuration():
    from clickpy.testing import image
    with open_middlebox(COUNTED, mode="image"):
        built = dict(image._built)
    with open_middlebox(COUNTED, mode="image") as again:
        assert image._built == built
        again.send("eth0", simple_udp_packet())
        assert again.read("c", "count") == "1"             # a fresh boot: fresh state


@needs("image")
def test_what_cannot_be_an_image_says_why():
    with pytest.raises(ModeUnavailable, match="cannot be an image"):
        open_middlebox("FromDevice(eth0) -> ToHost;", mode="image")
    with open_middlebox("router", mode="image") as router:   # its manifest: ToHost -> Discard
        with pytest.raises(ModeUnavailable, match="replaces ToHost by Discard"):
            router.verify_no_packet(simple_udp_packet(), "host")


def test_without_tools_the_reason_names_them(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    for mode, what in (("network", "ip"), ("image", "QEMU")):
        why = unavailable(mode)
        assert why.startswith(f"{mode} mode needs") and (what in why or "root" in why)


@needs("image")
def test_definitions_reach_the_image_even_when_they_rename_devices():
    with open_middlebox("wire", mode="image", yaml=True, A="x0", B="y0") as wire:
        assert wire.inputs == ("x0", "y0")
        wire.send("y0", simple_udp_packet())
        wire.verify_packets(simple_udp_packet(), ["x0"])
