"""ToHost: hands packets to the host's network stack (through a tap device at user level)."""
import logging

import numpy as np
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.argtypes.devices import DeviceName, InterfaceType
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import release
from clickpy.rings import open_rings, tap
from clickpy.rings.fdio import write_from

log = logging.getLogger(__name__)
DEFAULT_DEVNAME = "tohost0"
ETHER_HEADER = 14

FD, COUNT, MINLEN, DROPS = range(4)     # control words


@njit(cache=True, _nrt=False)
def tohost(P, s, st):
    """One write() of the packet to the tap: the host stack receives it there."""
    c = st[0]
    n = P[2][s]
    if n < c[MINLEN]:
        c[DROPS] += 1
        return drop(0)
    if write_from(c[FD], P[0][s], P[1][s], n) != n:
        c[DROPS] += 1
        return drop(1)
    c[COUNT] += 1
    release(P, s)
    return STOLEN


class ToHost(Element):
    """Sends packets to Linux.

    Hands packets to the ordinary Linux protocol stack, as if received on
    DEVNAME (which may be an Ethernet address; packets without a device
    annotation and no DEVNAME are dropped and counted).  TYPE ETHER (the
    default) expects Ethernet headers, TYPE IP bare IP packets.  SNIFFERS
    true shows the packets only to packet sniffers such as tcpdump.

    clickpy runs at user level, as Click's ToHost.u does: packets go to the
    host through a tap device named DEVNAME (a tun for TYPE IP).  When the
    configuration has a FromHost of that name, ToHost writes through its
    device, as in Click; otherwise ToHost creates the device itself (up, no
    address) and DEVNAME defaults to tohost0.  Linux accepts frames whose
    destination is the tap's Ethernet address (FromHost ETHER) or a
    broadcast; sniffers on the tap see them all.  Each packet is one write()
    from the compiled loop.  Packets shorter than an Ethernet header, and
    those the host refuses (its queue full, the device down), are dropped
    and counted.  SNIFFERS true is not available.
    """

    port_count = "1/0"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), positional=True,
            doc="device the packets appear to arrive on"),
        Arg("SNIFFERS", Bool(), default=False, doc="deliver only to packet sniffers"),
        Arg("TYPE", InterfaceType(), default="ETHER", doc="ETHER or IP"),
        Arg("QUIET", Bool(), default=False, doc="suppress device up/down messages"),
        Arg("ALLOW_NONEXISTENT", Bool(), default=False,
            doc="warn, not fail, when DEVNAME does not exist yet"),
        Arg("UP_CALL", HandlerCallArg(), doc="write handler called when the device comes up"),
        Arg("DOWN_CALL", HandlerCallArg(), doc="write handler called when the device goes down"),
    )
    handlers = (
        Handler("drops", doc="packets dropped: too short, or refused by the host"),
        Handler("count", doc="packets handed to the host"),
        Handler("dev_name", doc="the tap device in use"),
    )
    drop_reasons = ("shorter than an Ethernet header", "refused by the host (tap queue full "
                    "or device down)")
    simple_action = tohost
    sink = "forwarded"

    @classmethod
    def devname(cls, values):
        return values.get("DEVNAME") or DEFAULT_DEVNAME

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Open (or share) the tap device."""
        if values.get("SNIFFERS"):
            raise ValueError("SNIFFERS true (sniffers only) is not available: ToHost delivers "
                             "to the host stack through a tap, which sniffers see too")
        ip = values.get("TYPE") == "IP"
        t = tap.attach(cls.devname(values), ip=ip)
        try:
            t.configure()                       # up; FromHost sets the addresses
        except tap.TapError:
            tap.detach(t)
            raise
        c = np.zeros(4, dtype=np.int64)
        c[FD] = t.fd
        c[MINLEN] = 1 if ip else ETHER_HEADER
        open_rings.remember(c, t, tap.detach)
        return (c,)

    @classmethod
    def host_close(cls, values, st, pool):
        open_rings.close(st[0])

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "count":
            return str(int(st[0][COUNT]))
        if name == "drops":
            return str(int(st[0][DROPS]))
        if name == "dev_name":
            return cls.devname(values)
        raise KeyError(name)

