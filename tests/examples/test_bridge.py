"""configs/bridge.click: a learning Ethernet bridge between eth0 and eth1.

It learns the side each source MAC lives on.  Frames for an unknown
destination, and broadcasts, are flooded to the other side; frames for a
learned destination go only toward it (nowhere, when it lives on the side
the frame came from).  Frames cross unchanged.
"""
from clickpy.testing import simple_arp_packet, simple_eth_packet

H1, H3 = "02:00:00:00:01:01", "02:00:00:00:01:03"       # on eth0
H2 = "02:00:00:00:02:02"                                 # on eth1


def frame(src, dst):
    return simple_eth_packet(eth_src=src, eth_dst=dst)


def test_unknown_destinations_and_broadcasts_are_flooded(middlebox):
    bridge = middlebox("bridge")
    bridge.send("eth0", [frame(H1, H2), simple_arp_packet(eth_src=H1)])
    bridge.verify_packet(frame(H1, H2), "eth1")
    bridge.verify_packet(simple_arp_packet(eth_src=H1), "eth1")
    bridge.verify_no_other_packets()


def test_a_learned_destination_gets_the_frame_directly(middlebox):
    bridge = middlebox("bridge")
    bridge.send("eth1", frame(H2, "ff:ff:ff:ff:ff:ff"))       # H2 speaks: learned on eth1
    bridge.flush()
    bridge.send("eth0", frame(H1, H2))
    bridge.verify_packets(frame(H1, H2), ["eth1"])


def test_frames_between_hosts_on_one_side_stay_there(middlebox):
    bridge = middlebox("bridge")
    bridge.send("eth0", [frame(H1, "ff:ff:ff:ff:ff:ff"), frame(H3, "ff:ff:ff:ff:ff:ff")])
    bridge.flush()
    bridge.send("eth0", [frame(H1, H3), frame(H3, H1)])
    bridge.verify_no_other_packets()
    assert bridge.drops("destination is on the LAN the packet came from", "sw") == 2


def test_the_table_is_a_handler(middlebox):
    bridge = middlebox("bridge")
    bridge.send("eth0", frame(H1, H2))
    bridge.send("eth1", frame(H2, H1))
    table = bridge.read("sw", "table")            # Click's format: ADDRESS PORT per line
    assert sorted(table.splitlines()) == ["02-00-00-00-01-01 0", "02-00-00-00-02-02 1"]
