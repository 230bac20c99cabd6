"""FromHost: a fake network interface whose traffic enters the configuration."""
from clickpy.args import Arg, ArgIssue, Bool, EtherAddress, Integer, IPAddress, IPPrefix
from clickpy.argtypes.devices import DeviceName, InterfaceType
from clickpy.element import DST_IP, IP_HEADER, Element, Handler

IFNAMSIZ = 16  # Linux interface names are at most IFNAMSIZ - 1 bytes


class FromHost(Element):
    """Reads packets from Linux through a fake interface.

    Creates interface DEVNAME (a kernel fake device, or a TUN/TAP device in
    user-level Click) and pushes out output 0 the packets Linux sends
    through it.  PREFIX = ADDR/MASK gives the interface address ADDR and
    routes MASK's network through it.  TYPE ETHER (the default) yields
    Ethernet frames, and Linux will send ARP queries that must be answered;
    TYPE IP yields IP packets with IP header and destination IP annotations
    set, and malformed ones go to output 1 if connected.  GATEWAY, HEADROOM
    and DST (PREFIX's user-level name) are FromHost.u's keywords.
    """

    port_count = "0/1-2"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="interface to create"),
        Arg("PREFIX", IPPrefix(allow_bare=False), positional=True,
            doc="interface address and routed network, ADDR/MASK"),
        Arg("DST", IPPrefix(allow_bare=False), doc="user-level name for PREFIX"),
        Arg("TYPE", InterfaceType(), default="ETHER", doc="ETHER or IP"),
        Arg("ETHER", EtherAddress(), doc="the interface's Ethernet address"),
        Arg("MTU", Integer(0, name="byte count"),
            doc="MTU reported to Linux (default 1500; user-level 2048)"),
        Arg("CAPACITY", Integer(0, name="packet count"), default=100,
            doc="internal queue length (kernel)"),
        Arg("CLEAR_ANNO", Bool(), default=True, doc="clear user annotations (kernel)"),
        Arg("BURST", Integer(1, 1000000, name="packet count"), default=8,
            doc="packets emitted per scheduling (kernel)"),
        Arg("GATEWAY", IPAddress(), doc="default route through this host (user-level)"),
        Arg("HEADROOM", Integer(0, 8192, name="byte count"),
            doc="bytes left before packet data (user-level)"),
    )
    handlers = (
        Handler("length", doc="packets in the internal queue"),
        Handler("capacity", doc="the CAPACITY"),
        Handler("drops", doc="packets dropped off the internal queue"),
        Handler("burst", write=True, doc="the BURST parameter"),
        Handler("ether", write=True, doc="the interface's Ethernet address (TYPE ETHER)"),
        Handler("dev_name", doc="the device in use (user-level)"),
    )
    new_packets = True

    @classmethod
    def prefix(cls, values):
        return values.get("PREFIX") or values.get("DST")

    @classmethod
    def sets_for(cls, values):
        """TYPE IP marks the IP header and destination of what leaves output 0."""
        return {IP_HEADER: (0,), DST_IP: (0,)} if values.get("TYPE") == "IP" else {}

    @classmethod
    def check_config(cls, values, ctx):
        devname = values.get("DEVNAME") or ""
        if len(devname.encode()) > IFNAMSIZ - 1:
            return [ArgIssue(f"device name '{devname}' too long", None,
                             f"Linux interface names have at most {IFNAMSIZ - 1} characters")]
        if values.get("PREFIX") is not None and values.get("DST") is not None:
            return [ArgIssue("give at most one of PREFIX and DST", None,
                             "DST is user-level FromHost's name for PREFIX; keep one")]
        prefix, gateway = cls.prefix(values), values.get("GATEWAY")
        if (prefix is not None and gateway is not None and int(gateway)
                and gateway not in prefix.network):
            return [ArgIssue(f"bad GATEWAY: {gateway} is not on {prefix.network}", None,
                             "the gateway must be on the interface's network")]
        return []
