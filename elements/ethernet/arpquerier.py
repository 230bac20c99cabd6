"""ARPQuerier: resolves next hops with ARP and adds Ethernet headers."""
import ipaddress
from dataclasses import dataclass

from clickpy.args import (Arg, ArgError, ArgIssue, ArgType, Bool, ElementRef, EtherAddress,
                          Integer, IPAddress, Seconds)
from clickpy.argtypes.ip_prefixes import parse_ip_prefix
from clickpy.element import DST_IP, Element, Handler


@dataclass(frozen=True)
class HostAddress:
    """ARPQuerier's IP argument; `name` is the AddressInfo name it was written as, if any."""

    ip: ipaddress.IPv4Interface
    name: str | None = None


class HostAddressArg(ArgType):
    """This host's IP address or ADDR/LEN, or an AddressInfo name."""

    name = "IP address"
    example = "18.26.4.24"

    def parse(self, text, ctx):
        t = text.strip()
        interface = parse_ip_prefix(t, ctx)
        is_name = t.split(":")[0] in ctx.addresses
        return HostAddress(interface, t if is_name else None)


class ARPQuerier(Element):
    """Encapsulates IP packets in Ethernet headers found via ARP.

    IP packets arrive on input 0 with their destination IP annotation set.
    If the destination's Ethernet address is known, the packet gets an
    Ethernet header from ETH and leaves on output 0; otherwise it waits and
    an ARP query for it is sent instead.  ARP replies (with Ethernet header)
    arrive on input 1 and release waiting packets.  Queries, new packets,
    leave on output 1 when it exists, else mixed into output 0.  Broadcast and
    multicast destinations are mapped directly; 0.0.0.0 is dropped.  The
    one-argument form ARPQuerier(NAME) takes IP and ETH from AddressInfo.
    """

    port_count = "2/1-2"
    processing = "h/h"
    flow_code = "xy/x"
    args = (
        Arg("IP", HostAddressArg(), required=True, positional=True,
            doc="this host's IP address (or NAME)"),
        Arg("ETH", EtherAddress(), positional=True, doc="this host's Ethernet address"),
        Arg("TABLE", ElementRef(), doc="ARPTable to share (ignores the capacity keywords)"),
        Arg("CAPACITY", Integer(0), default=2048, doc="packets held for all entries"),
        Arg("ENTRY_CAPACITY", Integer(0), default=0, doc="entries held, 0 for no limit"),
        Arg("ENTRY_PACKET_CAPACITY", Integer(0), default=0,
            doc="packets held per entry, 0 for no limit"),
        Arg("CAPACITY_SLIM_FACTOR", Integer(0), doc="ARPTable's slim factor"),
        Arg("TIMEOUT", Seconds(), default=300.0, doc="lifetime of an ARP entry"),
        Arg("POLL_TIMEOUT", Seconds(), default=60.0, doc="age at which to re-query; 0 never"),
        Arg("BROADCAST", IPAddress(), doc="local broadcast address (default: from IP's prefix)"),
        Arg("BROADCAST_POLL", Bool(), default=False, doc="send renewal queries as broadcasts"),
    )
    handlers = (
        Handler("ipaddr", write=True, doc="this host's IP address"),
        Handler("broadcast", write=True, doc="the IP broadcast address"),
        Handler("table", doc="the ARP table"),
        Handler("stats", doc="queries and drops"),
        Handler("queries", doc="queries sent"),
        Handler("responses", doc="responses received"),
        Handler("drops", doc="packets dropped"),
        Handler("count", doc="entries in the ARP table"),
        Handler("length", doc="packets held in the ARP table"),
        Handler("insert", read=False, write=True, doc="add an entry 'IP ETH'"),
        Handler("delete", read=False, write=True, doc="delete the entry for an IP address"),
        Handler("clear", read=False, write=True, doc="clear the table and counters"),
    )
    requires = {DST_IP: (0,)}
    new_packets = True

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("ETH") is not None:
            return []
        host = values["IP"]
        if host.name is not None:
            try:
                values["ETH"] = EtherAddress().parse(host.name, ctx)
                return []
            except ArgError:
                pass
        return [ArgIssue("missing argument ETH (Ethernet address)", None,
                         "write ARPQuerier(IP, ETH), e.g. ARPQuerier(18.26.4.24, "
                         "00:00:C0:AE:67:EF), or ARPQuerier(NAME) with an AddressInfo NAME "
                         "that has both addresses")]
