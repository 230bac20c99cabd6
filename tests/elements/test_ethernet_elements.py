"""Declarations of Click's ethernet elements: encapsulation, ARP, VLANs, the switch."""
from __future__ import annotations

import ipaddress

import pytest

from clickpy.args import ParseContext
from element_args import ArgsAt
from clickpy.argtypes.packet_annotations import AnnotationRef
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, PUSH, PortRange, registry
from elements.ethernet.arpquerier import HostAddress
from elements.ethernet.arpresponder import ARPEntry
from elements.ethernet.vlanencap import TCIFromAnnotation

POS = SourcePos("eth.click", 4, 2)
E = registry()
N = ipaddress.IPv4Network
ETH = bytes.fromhex("0000c0ae67ef")


_args = ArgsAt(POS)
parse, ok, issue, at = _args.parse, _args.ok, _args.issue, _args.at


@pytest.mark.parametrize("name, ports, processing, family", [
    ("EtherEncap", "1/1", "a/a", "ethernet"),
    ("EtherRewrite", "1/1", "a/a", "ethernet"),
    ("EtherMirror", "1/1", "a/a", "ethernet"),
    ("HostEtherFilter", "1/1-2", "a/ah", "ethernet"),
    ("ARPResponder", "1/1-2", "a/ah", "ethernet"),
    ("ARPQuerier", "2/1-2", "h/h", "ethernet"),
    ("VLANEncap", "1/1", "a/a", "ethernet"),
    ("VLANDecap", "1/1", "a/a", "ethernet"),
    ("EtherSwitch", "2-/=", "h/h", "ethernet"),
    ("StoreEtherAddress", "1/1-2", "a/ah", "ethernet"),
    ("DropBroadcasts", "1/1-2", "a/ah", "standard"),   # Click keeps it in elements/standard
])
def test_declaration_matches_click(name, ports, processing, family):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, family)


def test_port_counts_flow_codes_and_annotations():
    switch = E["EtherSwitch"]
    assert switch.ports().inputs == PortRange(2, None)
    assert switch.ports().output_range(4) == PortRange(4, 4)
    assert switch.flow_code == "#/[^#]"
    arpq = E["ARPQuerier"]
    assert arpq.ports().inputs == PortRange(2, 2) and arpq.processing_code().input(1) == PUSH
    assert arpq.flow().flows(0, 0) and not arpq.flow().flows(1, 0)
    assert arpq.requires == {DST_IP: (0,)} and arpq.new_packets
    assert E["ARPResponder"].new_packets and not E["EtherEncap"].new_packets


def test_etherencap():
    values = ok("EtherEncap", "0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2")
    assert (values["ETHERTYPE"], values["SRC"], values["DST"]) == \
        (0x800, bytes([1] * 6), bytes([2] * 6))
    found = issue("EtherEncap", "0x10800, 1:1:1:1:1:1, 2:2:2:2:2:2")
    assert (found.message, found.pos) == (
        "ETHERTYPE: Ethernet encapsulation type 0x10800 must be <= 0xFFFF", at(2))
    found = issue("EtherEncap", "0x0800, 1:1:1:1:1:1")
    assert (found.message, found.pos) == ("missing argument DST (Ethernet address)", POS)
    assert {(h.name, h.write) for h in E["EtherEncap"].handlers} == \
        {("src", True), ("dst", True), ("etht", True)}


def test_etherrewrite_and_ethermirror():
    values = ok("EtherRewrite", "00:11:22:33:44:55, ff-ff-ff-ff-ff-ff")
    assert (values["SRC"], values["DST"]) == (bytes.fromhex("001122334455"), b"\xff" * 6)
    found = issue("EtherRewrite", "00:11:22:33:44, ff:ff:ff:ff:ff:ff")
    assert (found.message, found.pos) == ("SRC: '00:11:22:33:44' is not an Ethernet address", at(2))
    assert ok("EtherMirror", "") == {}
    found = issue("EtherMirror", "x")
    assert found.message == "too many arguments: EtherMirror takes no positional arguments"


def test_hostetherfilter():
    values = ok("HostEtherFilter", "00:00:C0:AE:67:EF, true, OFFSET 4")
    assert (values["ETHER"], values["DROP_OWN"], values["DROP_OTHER"], values["OFFSET"]) == \
        (ETH, True, True, 4)
    values = ok("HostEtherFilter", "00:00:C0:AE:67:EF, DROP_OTHER false")
    assert (values["DROP_OWN"], values["DROP_OTHER"]) == (False, False)
    found = issue("HostEtherFilter", "00:00:C0:AE:67:EF, OFSET 4")
    assert (found.message, found.pos, found.hint) == ("unknown keyword OFSET", at(21),
                                                      "did you mean OFFSET?")
    assert [h.name for h in E["HostEtherFilter"].handlers] == ["ether"]


def test_arpresponder_entries():
    values = ok("ARPResponder", "18.26.4.24 18.26.7.0/24 00-00-C0-AE-67-EF, "
                                "10.0.0.0/255.0.0.0 00:11:22:33:44:55")
    assert values["ENTRY"] == [
        ARPEntry((N("18.26.4.24/32"), N("18.26.7.0/24")), ETH),
        ARPEntry((N("10.0.0.0/8"),), bytes.fromhex("001122334455"))]
    assert ok("ARPResponder", "")["ENTRY"] == []
    assert {h.name for h in E["ARPResponder"].handlers} == {"table", "lookup", "add", "remove"}


def test_arpresponder_addressinfo_name_gives_both_addresses():
    ctx = ParseContext(addresses={"me": ["18.26.4.24/24", "00:00:c0:ae:67:ef"]})
    values = ok("ARPResponder", "me", ctx)
    assert values["ENTRY"] == [ARPEntry((N("18.26.4.24/32"),), ETH)]
    assert ok("ARPResponder", "me:ipnet me", ctx)["ENTRY"] == [
        ARPEntry((N("18.26.4.0/24"), N("18.26.4.24/32")), ETH)]


@pytest.mark.parametrize("text, message, col", [
    ("18.26.4.24 00:00:C0:AE:67:EF 00:00:C0:AE:67:EE",
     "ENTRY: more than one ETH in '18.26.4.24 00:00:C0:AE:67:EF 00:00:C0:AE:67:EE'", 2),
    ("1.0.0.1 00:11:22:33:44:55, 18.26.4.24",
     "ENTRY: missing ETH in '18.26.4.24'", 29),
    ("00:00:C0:AE:67:EF", "ENTRY: missing IP/MASK in '00:00:C0:AE:67:EF'", 2),
    ("18.26.4.0/33 00:00:C0:AE:67:EF", "ENTRY: expected IP/MASK ETH, but '18.26.4.0/33' is neither", 2),
])
def test_arpresponder_bad_entries(text, message, col):
    found = issue("ARPResponder", text)
    assert (found.message, found.pos) == (message, at(col))


def test_arpresponder_duplicate_networks_warn():
    found = issue("ARPResponder", "10.0.0.1 00:11:22:33:44:55, 10.0.0.1/32 00:11:22:33:44:66")
    assert found.severity == "warning"
    assert found.message == ("multiple entries for 10.0.0.1/32 (arguments 1 and 2); Click answers "
                             "with argument 2's address")


def test_arpquerier():
    values = ok("ARPQuerier", "18.26.4.24, 00:00:C0:AE:67:EF, TIMEOUT 2min, BROADCAST 18.26.4.255")
    assert values["IP"] == HostAddress(ipaddress.IPv4Interface("18.26.4.24/32"))
    assert (values["ETH"], values["TIMEOUT"], values["POLL_TIMEOUT"], values["CAPACITY"]) == \
        (ETH, 120.0, 60.0, 2048)
    assert values["BROADCAST"] == ipaddress.IPv4Address("18.26.4.255")
    values = ok("ARPQuerier", "18.26.4.24/24, 00:00:C0:AE:67:EF")
    assert values["IP"].ip.network == N("18.26.4.0/24")
    handlers = {h.name for h in E["ARPQuerier"].handlers}
    assert {"ipaddr", "table", "queries", "responses", "drops", "insert", "delete", "clear"} <= handlers


def test_arpquerier_one_argument_addressinfo_form():
    ctx = ParseContext(addresses={"eth0": ["18.26.4.24", "00:00:c0:ae:67:ef"]})
    values = ok("ARPQuerier", "eth0", ctx)
    assert values["IP"] == HostAddress(ipaddress.IPv4Interface("18.26.4.24/32"), "eth0")
    assert values["ETH"] == ETH
    found = issue("ARPQuerier", "18.26.4.24")
    assert (found.message, found.pos) == ("missing argument ETH (Ethernet address)", None)
    assert "ARPQuerier(NAME)" in found.hint
    found = issue("ARPQuerier", "18.26.4.24, 00:00:C0:AE:67:EF, POLL_TIMEOUT later")
    assert (found.message, found.pos) == ("POLL_TIMEOUT: 'later' is not a time", at(46))


def test_vlanencap():
    values = ok("VLANEncap", "0x0064, 3")
    assert (values["VLAN_TCI"], values["VLAN_PCP"], values["VLAN_ID"]) == (100, 3, None)
    assert ok("VLANEncap", "ANNO")["VLAN_TCI"] == TCIFromAnnotation()
    values = ok("VLANEncap", "VLAN_ID 12, VLAN_PCP 5, NATIVE_VLAN -1, ETHERTYPE 0x88a8")
    assert (values["VLAN_ID"], values["VLAN_PCP"], values["NATIVE_VLAN"], values["ETHERTYPE"]) == \
        (12, 5, -1, 0x88A8)
    found = issue("VLANEncap", "VLAN_ID 4096")
    assert (found.message, found.pos) == ("VLAN_ID: 4096 is out of range", at(10))
    found = issue("VLANEncap", "anno")
    assert (found.message, found.pos) == ("VLAN_TCI: 'anno' is not a VLAN TCI", at(2))
    found = issue("VLANEncap", "100, VLAN_ID 100")
    assert (found.message, found.pos) == ("set at most one of VLAN_TCI and VLAN_ID", None)
    found = issue("VLANEncap", "1, 8")
    assert (found.message, found.pos) == ("VLAN_PCP: 8 is out of range", at(5))


def test_vlandecap():
    values = ok("VLANDecap", "false, ETHERTYPE 0x9100")
    assert (values["ANNO"], values["ETHERTYPE"]) == (False, 0x9100)
    assert ok("VLANDecap", "")["ANNO"] is True
    found = issue("VLANDecap", "ETHERTYPE 0x10000")
    assert (found.message, found.pos) == ("ETHERTYPE: 65536 is out of range", at(12))


def test_etherswitch():
    assert ok("EtherSwitch", "TIMEOUT 0")["TIMEOUT"] == 0.0
    assert ok("EtherSwitch", "")["TIMEOUT"] == 300.0
    found = issue("EtherSwitch", "60")
    assert found.message == "too many arguments: EtherSwitch takes no positional arguments"
    assert {(h.name, h.write) for h in E["EtherSwitch"].handlers} == {("table", False), ("timeout", True)}


def test_storeetheraddress():
    values = ok("StoreEtherAddress", "00:00:C0:AE:67:EF, src")
    assert (values["ADDR"], values["OFFSET"]) == (ETH, 6)
    values = ok("StoreEtherAddress", "OFFSET DST, ANNO 40")
    assert (values["ADDR"], values["OFFSET"], values["ANNO"]) == (None, 0, AnnotationRef(None, 40, 6))
    found = issue("StoreEtherAddress", "00:00:C0:AE:67:EF, middle")
    assert (found.message, found.pos) == ("OFFSET: type mismatch: bad OFFSET 'middle'", at(21))
    found = issue("StoreEtherAddress", "00:00:C0:AE:67:EF, 12, ANNO 0")
    assert (found.message, found.pos) == ("must specify exactly one of ADDR/ANNO", None)


def test_dropbroadcasts():
    assert ok("DropBroadcasts", "") == {}
    assert [h.name for h in E["DropBroadcasts"].handlers] == ["drops"]
    found = issue("DropBroadcasts", "1")
    assert found.message == "too many arguments: DropBroadcasts takes no positional arguments"
