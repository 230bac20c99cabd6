"""ToDevice: sends packets out a network interface (user-level Click)."""
import logging
import os

import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Integer
from clickpy.argtypes.devices import DeviceMethod, DeviceName
from clickpy.element import IDLE_POLL, Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import release
from clickpy.rings import af_xdp, open_rings, ring_method
from clickpy.rings.packet_mmap import (NRING, T_FRAME_NR, T_PENDING, TxRing, mtu, tx_kick,
                                       tx_put, tx_room)

log = logging.getLogger(__name__)
METHODS = ("PCAP", "LINUX", "DEVBPF", "PCAPFD", "NETMAP")
ETHER_HEADER = 14

# Control words after the ring's (clickpy.rings.packet_mmap); XSK: 1 with AF_XDP rings.
COUNT, BURST, MAXLEN, NOUT, PULLS, KICK_ERRORS, XSK, KICK_ERRNO = range(NRING, NRING + 8)
NCTL = NRING + 8


@njit(cache=True, _nrt=False)
def todevice(P, s, st):
    """Copy the frame into the transmit ring (sent at the end of the round)."""
    ring, c = st[0], st[1]
    c[PULLS] += 1
    n = P[2][s]
    if n < ETHER_HEADER:
        return 1 if c[NOUT] > 1 else drop(0)
    if n > c[MAXLEN]:
        return 1 if c[NOUT] > 1 else drop(1)
    if c[XSK]:
        queued = af_xdp.tx_put(st[2], st[3], st[4], st[5], P, s)
    else:
        queued = tx_put(ring, c, P, s)
    if not queued:
        return 1 if c[NOUT] > 1 else drop(2)
    c[COUNT] += 1
    if c[NOUT] > 0:
        return 0
    release(P, s)
    return STOLEN


@njit(cache=True, _nrt=False)
def todevice_budget(P, st):
    """Pull only as many packets as the transmit ring has free frames (at most BURST)."""
    if st[1][XSK]:
        return af_xdp.tx_room(st[2], st[3], st[5], st[1][BURST])
    return tx_room(st[0], st[1], st[1][BURST])


@njit(cache=True, _nrt=False)
def todevice_kick(P, st):
    """After each round, ask the kernel to send the frames queued in it (one send(),
    from compiled code); True only when that failed, for host_flush to report."""
    c = st[1]
    err = af_xdp.tx_kick(st[2], st[5]) if c[XSK] else tx_kick(c)
    if err == 0:
        return False
    c[KICK_ERRNO] = err
    return True


class ToDevice(Element):
    """Sends packets to a network device (user-level).

    Pulls packets and sends them out interface DEVNAME, at most BURST per
    scheduling.  Packets must already carry their link-level header (ARP
    done).  Packets sent successfully continue out output 0 and those that
    fail out output 1, when connected.  METHOD picks the transmit method:
    Click's PCAP, LINUX, DEVBPF, PCAPFD and NETMAP, or clickpy's AFPACKET and
    AFXDP rings.

    clickpy writes a Linux PACKET_MMAP transmit ring (TPACKET_V2, qdisc
    bypass) from the compiled loop and asks the kernel to send once per
    round, with one send() from the compiled loop too; LINUX and PCAP select
    it too, and it is the default.  It pulls only when the ring has room, so
    a full ring leaves packets in the Queue upstream, as a busy device does
    in Click.  BURST defaults to the run's batch.  Frames shorter than an
    Ethernet header or longer than the device's MTU plus one are dropped
    (counted by reason).

    METHOD AFXDP writes the tx ring of the interface's AF_XDP socket
    (clickpy.rings.af_xdp), shared with a FromDevice of the same interface;
    a ToDevice alone attaches no XDP program, so the host keeps receiving.
    """

    port_count = "1/0-2"
    processing = "l/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="interface to send on"),
        Arg("DEBUG", Bool(), default=False, doc="print debugging messages"),
        Arg("METHOD", DeviceMethod(*METHODS), doc="transmit method (default AFPACKET)"),
        Arg("BURST", Integer(1, name="packet count"),
            doc="packets sent per scheduling (default: the run's batch)"),
    )
    handlers = (
        Handler("debug", doc="the DEBUG flag"),
        Handler("count", doc="packets queued for sending so far"),
        Handler("pulls", doc="pulls made so far"),
        Handler("signal", doc="whether upstream has packets (clickpy: always true)"),
        Handler("q", doc="whether a packet waits to be sent (clickpy: never; the ring holds it)"),
        Handler("reset_counts", read=False, write=True, doc="reset count and pulls"),
    )
    drop_reasons = ("shorter than an Ethernet header", "longer than the device MTU",
                    "transmit ring full")
    simple_action = todevice
    task_budget = todevice_budget
    host_pending = todevice_kick
    sink = "forwarded"

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Open the packet socket and map its transmit ring (Click's initialize)."""
        dev = values["DEVNAME"]
        method = ring_method(cls.class_name, values.get("METHOD"))
        c = np.zeros(NCTL, dtype=np.int64)
        c[NOUT] = n_outputs
        if method == "AFXDP":
            xsk = af_xdp.acquire(dev, receive=False)
            c[XSK] = 1
            c[BURST] = values.get("BURST") or af_xdp.TX_RING
            c[MAXLEN] = min(mtu(dev) + ETHER_HEADER, af_xdp.CHUNK)
            log.info("ToDevice(%s): AFXDP transmit ring, %s mode", dev,
                     "zero-copy" if xsk.zerocopy else "copy")
            open_rings.remember(c, xsk, af_xdp.release)
            return (np.zeros(1, dtype=np.uint8), c, xsk.tx, xsk.completion, xsk.umem, xsk.ctl)
        ring = TxRing(dev, c)
        c[BURST] = values.get("BURST") or int(c[T_FRAME_NR])   # default: the whole ring
        c[MAXLEN] = mtu(dev) + ETHER_HEADER
        log.info("ToDevice(%s): AFPACKET transmit ring, qdisc bypass", dev)
        open_rings.remember(c, ring, TxRing.close)
        return (ring.ring, c) + af_xdp.unused_state()

    @classmethod
    def host_flush(cls, values, st, pool):
        """Report a send that failed (todevice_kick sends after every round); outside a
        round (closing), send what is still queued first."""
        c = st[1]
        ring = open_rings.get(c)
        if ring is None:
            return
        err, c[KICK_ERRNO] = int(c[KICK_ERRNO]), 0
        problem = OSError(err, os.strerror(err)) if err else (
            ring.kick() if c[XSK] else ring.kick(c))
        if problem is not None:
            c[KICK_ERRORS] += 1
            if c[KICK_ERRORS] == 1:
                log.warning("ToDevice(%s): send failed: %s", values["DEVNAME"], problem)

    @classmethod
    def wake_after(cls, values, st):
        """Soon while frames wait for the kernel (a full ring, a deferred kick): the
        packets upstream need another round once it has sent them; else never."""
        ring, c = st[0], st[1]
        if c[XSK]:
            busy = st[5][af_xdp.TX_PENDING] or af_xdp.tx_room(st[2], st[3], st[5], 1) == 0
        else:
            busy = c[T_PENDING] or tx_room(ring, c, 1) == 0
        return IDLE_POLL if busy else None

    @classmethod
    def host_close(cls, values, st, pool):
        cls.host_flush(values, st, pool)
        open_rings.close(st[1])

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[1]
        if name == "count":
            return str(int(c[COUNT]))
        if name == "pulls":
            return str(int(c[PULLS]))
        if name == "debug":
            return "true" if values.get("DEBUG") else "false"
        if name == "signal":
            return "true"
        if name == "q":
            return "false"
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "reset_counts":
            raise KeyError(name)
        st[1][COUNT] = st[1][PULLS] = 0
