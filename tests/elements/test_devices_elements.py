"""Declarations of the device and trace elements: FromDevice, ToDump, FromHost, ..."""
from __future__ import annotations

import ipaddress

import pytest

from clickpy.args import ParseContext
from element_args import ArgsAt
from clickpy.argtypes.handler_calls import HandlerCall
from clickpy.argtypes.pcap_encap import ETHER, Encapsulation
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, PULL, PUSH, PortRange, registry

POS = SourcePos("d.click", 2, 1)
E = registry()


_args = ArgsAt(POS)
parse, ok, issue, at = _args.parse, _args.ok, _args.issue, _args.at


@pytest.mark.parametrize("name, ports, processing", [
    ("FromDump", "0/1-2", "a/ah"),
    ("ToDump", "1/0-1", "a/a"),
    ("FromDevice", "0/1-2", "h/h"),
    ("ToDevice", "1/0-2", "l/h"),
    ("PollDevice", "0/1", "h/h"),
    ("ToHost", "1/0", "h/h"),
    ("ToHostSniffers", "1/0", "h/h"),
    ("FromHost", "0/1-2", "h/h"),
])
def test_declaration_matches_click(name, ports, processing):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, "devices")


def test_ports_processing_and_sources():
    td = E["ToDevice"]
    assert td.ports().outputs == PortRange(0, 2)
    assert (td.processing_code().input(0), td.processing_code().output(1)) == (PULL, PUSH)
    assert E["FromDump"].processing_code().output(1) == PUSH
    for name in ("FromDump", "FromDevice", "PollDevice", "FromHost"):
        assert E[name].is_source() and E[name].new_packets
    for name in ("ToDump", "ToDevice", "ToHost"):
        assert not E[name].is_source()


# ---- FromDump / ToDump -----------------------------------------------------------

def test_fromdump_arguments():
    v = ok("FromDump", "trace.pcap, true, STOP true, SAMPLE 0.5, FORCE_IP true, "
                       "START_AFTER 2min, INTERVAL 500ms")
    assert (v["FILENAME"], v["TIMING"], v["STOP"], v["SAMPLE"], v["FORCE_IP"]) == \
        ("trace.pcap", True, True, 0.5, True)
    assert (v["START_AFTER"], v["INTERVAL"]) == (120.0, pytest.approx(0.5))
    assert E["FromDump"].sets_for(v) == {IP_HEADER: (0,)}
    d = ok("FromDump", '"my trace.pcap"')
    assert d["FILENAME"] == "my trace.pcap" and d["ACTIVE"] is True and d["SAMPLE"] == 1.0
    assert E["FromDump"].sets_for(d) == {}


def test_fromdump_end_call():
    ctx = ParseContext(element_names={"fd", "counter"})
    assert ok("FromDump", "f, END_CALL counter.reset", ctx)["END_CALL"] == \
        HandlerCall("counter", "reset")


def test_fromdump_errors():
    i = issue("FromDump", "")
    assert (i.message, i.pos) == ("missing argument FILENAME (file name)", POS)
    i = issue("FromDump", "f, START 10, START_AFTER 1")
    assert (i.message, i.pos) == ("START and START_AFTER are mutually exclusive", None)
    i = issue("FromDump", "f, END 1, INTERVAL 2")
    assert i.message == "END, END_AFTER, and INTERVAL are mutually exclusive"
    i = issue("FromDump", "f, STOP true, END_CALL stop")
    assert i.message == "END_CALL and STOP are mutually exclusive"
    i = issue("FromDump", "f, START_AFTER soon")
    assert (i.message, i.pos) == ("START_AFTER: 'soon' is not a time", at(16))
    i = issue("FromDump", "f, FILEPOS -3")
    assert (i.message, i.pos) == ("FILEPOS: -3 is out of range", at(12))


def test_fromdump_sample_warnings():
    i = issue("FromDump", "f, SAMPLE 2")
    assert (i.message, getattr(i, "severity", "error")) == \
        ("SAMPLE probability reduced to 1", "warning")
    assert issue("FromDump", "f, SAMPLE 0").message == \
        "SAMPLE probability is 0; emitting no packets"


def test_todump_arguments():
    v = ok("ToDump", "-, 0, IP, EXTRA_LENGTH false")
    assert (v["FILENAME"], v["SNAPLEN"], v["ENCAP"], v["EXTRA_LENGTH"]) == \
        ("-", 0, Encapsulation("IP", 101), False)
    d = ok("ToDump", "out.pcap")
    assert d["SNAPLEN"] == 2000 and E["ToDump"].encapsulation(d) == ETHER
    assert ok("ToDump", "out.pcap, ENCAP #105")["ENCAP"] == Encapsulation("#105", 105)
    ctx = ParseContext(element_names={"src", "dump"})
    u = ok("ToDump", "out.pcap, USE_ENCAP_FROM src", ctx)
    assert u["USE_ENCAP_FROM"] == ["src"] and E["ToDump"].encapsulation(u) is None


def test_todump_errors():
    i = issue("ToDump", "out.pcap, 2000, ether")
    assert (i.message, i.pos, i.hint) == ("ENCAP: bad encapsulation type 'ether'", at(17),
                                          "encapsulation words are upper case: ETHER")
    i = issue("ToDump", "out.pcap, ENCAP ETHERNET")
    assert (i.message, i.hint) == \
        ("ENCAP: bad encapsulation type 'ETHERNET'", "did you mean ETHER?")
    i = issue("ToDump", "out.pcap, ENCAP ETHER, USE_ENCAP_FROM src")
    assert (i.message, i.pos) == ("specify at most one of 'ENCAP' and 'USE_ENCAP_FROM'", None)
    i = issue("ToDump", "out.pcap, USE_ENCAP_FROM")
    assert i.message == "element names missing after 'USE_ENCAP_FROM'"
    i = issue("ToDump", "out.pcap, USE_ENCAP_FROM srcc", ParseContext(element_names={"src"}))
    assert (i.message, i.pos, i.hint) == ("USE_ENCAP_FROM: no element named 'srcc'", at(26),
                                          "did you mean src?")
    i = issue("ToDump", "two words")
    assert i.message == "FILENAME: 'two words' is not a file name: several words"


# ---- FromDevice / ToDevice / PollDevice ------------------------------------------------

def test_fromdevice_arguments():
    v = ok("FromDevice", "eth0, true, 1500, SNIFFER false, METHOD afpacket, BURST 32, "
                         "FORCE_IP true")
    assert (v["DEVNAME"], v["PROMISC"], v["SNAPLEN"], v["SNIFFER"], v["METHOD"], v["BURST"]) == \
        ("eth0", True, 1500, False, "AFPACKET", 32)
    assert E["FromDevice"].sets_for(v) == {IP_HEADER: (0,)}
    d = ok("FromDevice", "eth1")
    assert (d["SNAPLEN"], d["SNIFFER"], d["METHOD"], d["TIMESTAMP"]) == (2046, True, None, True)
    assert E["FromDevice"].sets_for(d) == {}
    assert E["FromDevice"].method(ok("FromDevice", "eth1, CAPTURE pcap")) == "PCAP"
    assert ok("FromDevice", "eth1, METHOD AFXDP, ENCAP SLL")["ENCAP"] == Encapsulation("SLL", 113)


def test_fromdevice_errors():
    i = issue("FromDevice", "eth0, SNAPLEN 9000")
    assert (i.message, i.pos, i.hint) == ("SNAPLEN: 9000 is out of range", at(15),
                                          "expected byte count in [14, 8190]")
    i = issue("FromDevice", "eth0, METHOD netmapp")
    assert (i.message, i.pos, i.hint) == ("METHOD: bad METHOD 'netmapp'", at(14),
                                          "did you mean NETMAP?")
    i = issue("FromDevice", "eth0, BURST 0")
    assert (i.message, i.pos) == ("BURST: 0 is out of range", at(13))
    i = issue("FromDevice", '""')
    assert (i.message, i.pos) == ("DEVNAME: empty device name", at(1))
    i = issue("FromDevice", "eth0, METHOD LINUX, BPF_FILTER \"tcp port 80\"")
    assert (i.message, getattr(i, "severity", "error")) == \
        ("not using METHOD PCAP, BPF filter ignored", "warning")


def test_todevice():
    v = ok("ToDevice", "eth0, BURST 16, METHOD Linux")
    assert (v["DEVNAME"], v["BURST"], v["METHOD"], v["DEBUG"]) == ("eth0", 16, "LINUX", False)
    assert ok("ToDevice", "eth0, METHOD AFXDP")["METHOD"] == "AFXDP"
    i = issue("ToDevice", "eth0, METHOD RAW")
    assert (i.message, i.hint) == (
        "METHOD: bad METHOD 'RAW'",
        "use one of PCAP, LINUX, DEVBPF, PCAPFD, NETMAP, AFPACKET, AFXDP")
    i = issue("ToDevice", "eth0, 5")
    assert (i.message, i.pos) == ("too many arguments: ToDevice takes at most 1 positional "
                                  "argument", at(7))


def test_polldevice():
    v = ok("PollDevice", "eth0, 16, PROMISC true, UP_CALL stop")
    assert (v["DEVNAME"], v["BURST"], v["PROMISC"], v["HEADROOM"], v["UP_CALL"]) == \
        ("eth0", 16, True, 64, HandlerCall(None, "stop"))
    assert ok("PollDevice", "eth0")["BURST"] == 8
    i = issue("PollDevice", "eth0, 8, SNIFFER true")
    assert (i.message, i.pos) == ("unknown keyword SNIFFER", at(10))
    i = issue("PollDevice", "eth0, SNIFFER true")
    assert (i.message, i.pos) == ("BURST: 'SNIFFER true' is not a packet count", at(7))


# ---- ToHost / ToHostSniffers / FromHost ---------------------------------------------

def test_tohost_and_sniffers():
    assert ok("ToHost", "") == {"DEVNAME": None, "SNIFFERS": False, "TYPE": "ETHER",
                                "QUIET": False, "ALLOW_NONEXISTENT": False,
                                "UP_CALL": None, "DOWN_CALL": None}
    assert ok("ToHost", "fake0, TYPE ip")["TYPE"] == "IP"
    assert ok("ToHostSniffers", "")["SNIFFERS"] is True
    assert ok("ToHostSniffers", "eth0, SNIFFERS false")["SNIFFERS"] is False
    i = issue("ToHost", "eth0, TYPE TAP")
    assert (i.message, i.pos, i.hint) == ("TYPE: bad TYPE 'TAP'", at(12), "use ETHER or IP")
    assert [h.name for h in E["ToHostSniffers"].handlers] == ["drops", "count", "dev_name"]


def test_fromhost_arguments():
    v = ok("FromHost", "fake0, 192.0.0.1/8, TYPE IP, BURST 16")
    assert v["PREFIX"] == ipaddress.IPv4Interface("192.0.0.1/8")
    assert (v["DEVNAME"], v["TYPE"], v["BURST"], v["CAPACITY"]) == ("fake0", "IP", 16, 100)
    assert E["FromHost"].sets_for(v) == {IP_HEADER: (0,), DST_IP: (0,)}
    u = ok("FromHost", "tap0, DST 10.0.0.1/24, GATEWAY 10.0.0.254, HEADROOM 64")
    assert E["FromHost"].prefix(u) == ipaddress.IPv4Interface("10.0.0.1/24")
    assert E["FromHost"].sets_for(u) == {}
    assert ok("FromHost", "fake0, ETHER 0:1:2:3:4:5")["ETHER"] == bytes(range(6))


def test_fromhost_errors():
    i = issue("FromHost", "fake0, 192.0.0.1")
    assert (i.message, i.pos) == ("PREFIX: '192.0.0.1' is not an IP prefix: no /length", at(8))
    i = issue("FromHost", "averyveryverylongname")
    assert (i.message, i.pos) == ("device name 'averyveryverylongname' too long", None)
    i = issue("FromHost", "tap0, 10.0.0.1/24, GATEWAY 10.1.0.1")
    assert i.message == "bad GATEWAY: 10.1.0.1 is not on 10.0.0.0/24"
    i = issue("FromHost", "tap0, 10.0.0.1/24, DST 10.0.0.1/24")
    assert i.message == "give at most one of PREFIX and DST"
    i = issue("FromHost", "tap0, BURST 0")
    assert (i.message, i.pos, i.hint) == ("BURST: 0 is out of range", at(13),
                                          "expected packet count in [1, 1000000]")
