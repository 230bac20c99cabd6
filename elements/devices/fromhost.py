"""FromHost: a fake network interface whose traffic enters the configuration."""
import logging

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, EtherAddress, Integer, IPAddress, IPPrefix
from clickpy.argtypes.devices import DeviceName, InterfaceType
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.packet import A_DST_IP, A_NH, HEADROOM, SLOT_SIZE, alloc, release
from clickpy.rings import open_rings, tap
from clickpy.rings.fdio import read_into

log = logging.getLogger(__name__)
IFNAMSIZ = 16  # Linux interface names are at most IFNAMSIZ - 1 bytes
DEFAULT_ETHER = bytes.fromhex("000102030405")    # Click's FromHost.u default
MAX_MTU = SLOT_SIZE - HEADROOM - 14              # a frame must fit a packet slot

FD, COUNT, BURST, TYPE_IP, NOT_IP = range(5)     # control words


@njit(cache=True, _nrt=False)
def fromhost_task(P, st):
    """Click's run_task: one read() from the tap into a fresh slot, or -1 when none waits.

    TYPE IP packets get their IP header and destination annotations; what is
    not an IPv4 packet is dropped here (counted by not_ip).
    """
    c = st[0]
    data, head, length, anno = P[0], P[1], P[2], P[3]
    for _ in range(8):                      # non-IP packets skipped per call, at most
        s = alloc(P)
        if s < 0:
            return -1
        h = head[s]
        n = read_into(c[FD], data[s], h, SLOT_SIZE - h)
        if n <= 0:
            release(P, s)
            return -1
        length[s] = n
        c[COUNT] += 1
        if c[TYPE_IP] == 0:
            return s
        if n < 20 or data[s, h] >> 4 != 4:
            c[NOT_IP] += 1
            release(P, s)
            continue
        anno[s, A_NH] = h
        anno[s, A_DST_IP] = ((np.int64(data[s, h + 16]) << 24) | (np.int64(data[s, h + 17]) << 16)
                             | (np.int64(data[s, h + 18]) << 8) | np.int64(data[s, h + 19]))
        return s
    return -1


@njit(cache=True, _nrt=False)
def fromhost_budget(P, st):
    """BURST: packets read per round."""
    return st[0][BURST]


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

    clickpy works as Click's user-level FromHost.u: it creates a tap device
    (a tun for TYPE IP) named DEVNAME with Ethernet address ETHER (default
    00:01:02:03:04:05), MTU (default 1500; at most 1906, what a packet slot
    holds), the address and mask of PREFIX/DST, and a default route through
    GATEWAY, and brings it up.  Each packet is one read() in the compiled
    loop, at most BURST per round; an idle run sleeps until the device has
    one.  A ToHost of the same DEVNAME writes to the host through this
    device.  Non-IPv4 packets of a TYPE IP device are dropped (counted by
    not_ip); output 1 is not available.  The device is gone when the run
    ends.  HEADROOM beyond the pool's fixed 128 bytes, CAPACITY and
    CLEAR_ANNO (kernel FromHost's queue) have no effect.
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
        Handler("count", doc="packets read from the host"),
        Handler("not_ip", doc="TYPE IP: packets dropped for not being IPv4"),
        Handler("burst", write=True, doc="the BURST parameter"),
        Handler("ether", doc="the interface's Ethernet address (TYPE ETHER)"),
        Handler("dev_name", doc="the device in use (user-level)"),
    )
    new_packets = True
    run_task = fromhost_task
    task_budget = fromhost_budget

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Create and set up the tap (Click's initialize)."""
        ip = values.get("TYPE") == "IP"
        if n_outputs > 1:
            raise ValueError("output 1 (malformed TYPE IP packets) is not available: leave it "
                             "unconnected (they are dropped and counted in not_ip)")
        mtu = values.get("MTU")
        if mtu is not None and not 68 <= mtu <= MAX_MTU:
            raise ValueError(f"MTU {mtu}: clickpy takes 68 to {MAX_MTU} (a packet slot holds "
                             f"{SLOT_SIZE - HEADROOM} bytes)")
        t = tap.attach(values["DEVNAME"], ip=ip)
        try:
            t.configure(ether=values.get("ETHER") or DEFAULT_ETHER, mtu=mtu,
                        prefix=cls.prefix(values), gateway=values.get("GATEWAY"))
        except tap.TapError:
            tap.detach(t)
            raise
        c = np.zeros(5, dtype=np.int64)
        c[FD] = t.fd
        c[BURST] = values.get("BURST") or 8
        c[TYPE_IP] = int(ip)
        log.info("FromHost(%s): %s device, fd %d", t.name, "tun" if ip else "tap", t.fd)
        open_rings.remember(c, t, tap.detach)
        return (c,)

    @classmethod
    def wait_fds(cls, values, st):
        """The tap: readable when the host has sent something through it."""
        t = open_rings.get(st[0])
        return () if t is None or t.fd < 0 else (t.fd,)

    @classmethod
    def wake_after(cls, values, st):
        return None

    @classmethod
    def host_close(cls, values, st, pool):
        open_rings.close(st[0])

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "count":
            return str(int(c[COUNT]))
        if name == "not_ip":
            return str(int(c[NOT_IP]))
        if name == "burst":
            return str(int(c[BURST]))
        if name == "ether":
            return ":".join(f"{b:02x}" for b in (values.get("ETHER") or DEFAULT_ETHER))
        if name == "dev_name":
            return values["DEVNAME"]
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "burst":
            raise KeyError(name)
        try:
            burst = int(text.strip())
        except ValueError:
            raise ValueError(f"expected a packet count, not {text.strip()!r}") from None
        if burst < 1:
            raise ValueError("BURST must be at least 1")
        st[0][BURST] = burst

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
