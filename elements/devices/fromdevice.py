"""FromDevice: receives packets from a network interface (user-level Click)."""
import logging
import socket
import struct

import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Integer, String
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.devices import DeviceMethod, DeviceName
from clickpy.argtypes.pcap_encap import PcapEncap
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_DEV, A_DST_IP, A_NH, A_TSTAMP, C_NOW, SLOT_SIZE, alloc, release
from clickpy.rings import af_xdp, fanout, open_rings, ring_method
from clickpy.rings.fdio import read_into
from clickpy.rings.kernel_filter import IngressDrop
from clickpy.rings.packet_mmap import (NRING, PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC,
                                       R_CORRUPT, SOL_PACKET, RingError, RxRing, ifindex,
                                       rx_take)
from elements.devices.fromdump import ether_ip_header_offset

log = logging.getLogger(__name__)
METHODS = ("PCAP", "LINUX", "NETMAP")
UNLIMITED = 1 << 30

# Control words after the ring's (clickpy.rings.packet_mmap).
# ARP_FD: the ARP socket's fd + 1, 0 if none; XSK: 1 when reading AF_XDP rings, whose
# kernel drop count (cumulative) was XSK_DROPS when last read.
(SNAPLEN, COUNT, BURST, TIMESTAMP, IFINDEX, KDROPS, KPACKETS, FORCE_IP,
 NOT_IP, ARP_FD, XSK, XSK_DROPS) = range(NRING, NRING + 12)
NCTL = NRING + 12


@njit(cache=True, _nrt=False)
def arp_take(P, c):
    """With --workers: the next ARP frame of this worker's ARP socket (every worker gets a
    copy, see clickpy.rings.fanout), or -1."""
    s = alloc(P)
    if s < 0:
        return -1
    h = P[1][s]
    n = read_into(c[ARP_FD] - 1, P[0][s], h, min(c[SNAPLEN], SLOT_SIZE - h))
    if n <= 0:
        release(P, s)
        return -1
    P[2][s] = n
    P[3][s, A_TSTAMP] = P[5][C_NOW]
    return s


@njit(cache=True, _nrt=False)
def fromdevice_task(P, st):
    """Click's run_task: the next frame of the receive ring, or -1.

    With FORCE_IP, frames that carry no IP packet are dropped here (Click
    pushes them to output 1, which must then be unconnected) and the IP
    header and destination annotations are set on the others.
    """
    ring, c = st[0], st[1]
    data, head, length, anno = P[0], P[1], P[2], P[3]
    for _ in range(64):                     # non-IP frames skipped per call, at most
        s = arp_take(P, c) if c[ARP_FD] > 0 else -1
        if s < 0:
            if c[XSK]:
                s = af_xdp.rx_take(st[2], st[3], st[4], st[5], P, c[SNAPLEN])
            else:
                s = rx_take(ring, c, P, c[SNAPLEN])
        if s < 0:
            return -1
        c[COUNT] += 1
        anno[s, A_DEV] = c[IFINDEX]
        if c[TIMESTAMP] == 0:
            anno[s, A_TSTAMP] = 0
        if c[FORCE_IP] == 0:
            return s
        h = head[s]
        iph = ether_ip_header_offset(data[s], h, length[s])
        if iph < 0:
            c[NOT_IP] += 1
            release(P, s)
            continue
        anno[s, A_NH] = h + iph
        if data[s, h + iph] >> 4 == 4 and length[s] >= iph + 20:
            anno[s, A_DST_IP] = ((np.int64(data[s, h + iph + 16]) << 24)
                                 | (np.int64(data[s, h + iph + 17]) << 16)
                                 | (np.int64(data[s, h + iph + 18]) << 8)
                                 | np.int64(data[s, h + iph + 19]))
        return s
    return -1


@njit(cache=True, _nrt=False)
def fromdevice_budget(P, st):
    """BURST: frames taken per round."""
    return st[1][BURST]


class _Input:
    """What one running FromDevice holds open: its ring, with SNIFFER false a filter, and in
    a --workers run an ARP socket; or, with METHOD AFXDP, its interface's AF_XDP sockets
    (shared with a ToDevice) and with PROMISC a packet socket holding promiscuous mode."""

    def __init__(self, ring, sniff_filter, arp=None, xsk=None, promisc=None):
        self.ring, self.filter, self.arp = ring, sniff_filter, arp
        self.xsk, self.promisc = xsk, promisc

    def close(self):
        if self.ring is not None:
            self.ring.close()
        if self.xsk is not None:
            af_xdp.release(self.xsk)
        for s in (self.filter, self.arp, self.promisc):
            if s is not None:
                s.close()


def promiscuous(dev: str) -> socket.socket:
    """A packet socket that keeps dev in promiscuous mode until it is closed (it receives
    nothing itself: protocol 0)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                     struct.pack("iHH8s", ifindex(dev), PACKET_MR_PROMISC, 0, b""))
    except OSError as e:
        s.close()
        raise RingError(f"{dev}: cannot set promiscuous mode: {e.strerror}") from None
    return s


class FromDevice(Element):
    """Reads packets from a network device (user-level).

    Pushes out output 0 the packets received on interface DEVNAME, link
    header included, with timestamp and packet type annotations set.  As a
    sniffer (the default) the kernel sees them too; SNIFFER false hides them
    from it.  With FORCE_IP only IP packets leave on output 0, with their IP
    header annotation set; the others go to output 1 if connected.  METHOD
    picks the capture method: Click's PCAP, LINUX and NETMAP, or clickpy's
    AFPACKET and AFXDP rings.

    clickpy reads a Linux PACKET_MMAP receive ring (TPACKET_V2: each frame
    is handed over, and an idle run woken, as soon as it arrives) that the
    compiled loop walks directly; LINUX and PCAP select it too, and it is
    the default.  SNIFFER false drops the frames at the interface's tcx
    ingress hook, after the ring has seen them, so the host stack does not.  Differences
    from Click: BURST defaults to the run's batch (a round of the compiled
    loop costs more than a Click task call); frames longer than a packet
    slot (1920 bytes) are cut there, the rest counted in the extra length
    annotation as SNAPLEN does; with FORCE_IP, non-IP frames are dropped
    (counted by the not_ip handler), output 1 is not available; BPF_FILTER
    and ENCAP other than ETHER (libpcap features) are not.  Under `clickpy
    run --workers N` each worker's ring joins a PACKET_FANOUT group of the
    interface, spread by a symmetric flow hash, and every worker gets a copy
    of each ARP frame (clickpy.rings.fanout).

    METHOD AFXDP reads AF_XDP sockets instead, one per receive queue of the
    interface, which an XDP program (attached while the run lasts) feeds:
    copy mode on any interface, zero-copy where the driver has it
    (clickpy.rings.af_xdp).  Frames it redirects never reach the host
    stack, SNIFFER true or false.  AF_XDP gives no timestamp: the
    annotation is the time of the round that took the frame.  OUTBOUND is
    not available with it.  Under `clickpy run --workers N` worker w reads
    the queues q with q % N == w (the interface needs N queues at least), so
    the interface's receive hashing (RSS; a veth's sender's transmit queue
    choice) spreads the flows; ARP frames go to the host stack instead and
    every worker gets a copy of each, as with AFPACKET.
    """

    port_count = "0/1-2"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="interface to read"),
        Arg("PROMISC", Bool(), positional=True, default=False,
            doc="put the device in promiscuous mode"),
        Arg("SNAPLEN", Integer(14, 8190, name="byte count"), positional=True, default=2046,
            doc="longest packet captured"),
        Arg("SNIFFER", Bool(), default=True, doc="let the kernel see the packets too"),
        Arg("FORCE_IP", Bool(), default=False, doc="emit only IP packets, IP header marked"),
        Arg("METHOD", DeviceMethod(*METHODS), doc="capture method (default AFPACKET)"),
        Arg("CAPTURE", DeviceMethod(*METHODS), doc="deprecated synonym for METHOD"),
        Arg("BPF_FILTER", String(), default="", doc="pcap filter expression (METHOD PCAP only)"),
        Arg("OUTBOUND", Bool(), default=False, doc="also emit packets the host sends"),
        Arg("HEADROOM", Integer(0, 8190, name="byte count"),
            doc="bytes left before the packet data (default about 28)"),
        Arg("ENCAP", PcapEncap(), doc="link type to request (METHOD PCAP only)"),
        Arg("BURST", Integer(1, name="packet count"),
            doc="packets read per scheduling (default: the run's batch)"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
    )
    handlers = (
        Handler("count", doc="packets read so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("kernel_drops", doc="packets the kernel dropped before FromDevice saw them"),
        Handler("encap", doc="the link's encapsulation type (ETHER, IP, ...)"),
        Handler("ring_errors", doc="receive ring blocks skipped as corrupt"),
        Handler("not_ip", doc="frames dropped by FORCE_IP for carrying no IP packet"),
    )
    new_packets = True
    run_task = fromdevice_task
    task_budget = fromdevice_budget

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Open the packet socket and map its receive ring (Click's initialize).

        State: the PACKET_MMAP ring and the control words, then the AF_XDP rx,
        fill, UMEM and control arrays; each method has one-element stand-ins for
        the other's, so the compiled task is the same whatever the method.
        """
        dev = values["DEVNAME"]
        method = ring_method(cls.class_name, cls.method(values))
        if values.get("BPF_FILTER"):
            raise ValueError("BPF_FILTER needs libpcap, which the AFPACKET ring does not use; "
                             "filter with Classifier or IPFilter after FromDevice")
        if values.get("FORCE_IP") and n_outputs > 1:
            raise ValueError("with FORCE_IP, output 1 (non-IP frames) is not available yet: "
                             "leave it unconnected (they are dropped and counted in not_ip)")
        if values.get("ENCAP") is not None and getattr(values["ENCAP"], "name", "") != "ETHER":
            raise ValueError("the AFPACKET ring captures Ethernet frames only (ENCAP ETHER)")
        c = np.zeros(NCTL, dtype=np.int64)
        snaplen = values.get("SNAPLEN")
        c[SNAPLEN] = 2046 if snaplen is None else snaplen
        c[BURST] = values.get("BURST") or UNLIMITED
        c[TIMESTAMP] = 0 if values.get("TIMESTAMP") is False else 1
        c[FORCE_IP] = 1 if values.get("FORCE_IP") else 0
        if method == "AFXDP":
            return cls._afxdp_state(dev, values, c)
        ring = RxRing(dev, c, promisc=bool(values.get("PROMISC")),
                      outgoing=bool(values.get("OUTBOUND")))
        sniff_filter = arp = None
        try:
            fanout.join(ring.sock, dev, outgoing=bool(values.get("OUTBOUND")))  # --workers
            arp = fanout.arp_socket(dev)
            if values.get("SNIFFER") is False:
                sniff_filter = IngressDrop(dev)
        except OSError as e:
            _Input(ring, None, arp).close()
            if not e.strerror:                     # IngressDrop's own message
                raise
            raise RingError(f"{dev}: cannot join the workers' fanout group: {e.strerror}") \
                from None
        c[IFINDEX] = ifindex(dev)
        c[ARP_FD] = 0 if arp is None else arp.fileno() + 1
        log.info("FromDevice(%s): AFPACKET receive ring, ifindex %d", dev, c[IFINDEX])
        open_rings.remember(c, _Input(ring, sniff_filter, arp), _Input.close)
        return (ring.ring, c) + af_xdp.unused_state()

    @classmethod
    def _afxdp_state(cls, dev, values, c):
        """METHOD AFXDP: the interface's AF_XDP sockets, the XDP program attached."""
        if values.get("OUTBOUND"):
            raise ValueError("OUTBOUND is not available with METHOD AFXDP: XDP sees only "
                             "frames arriving on the interface; use METHOD AFPACKET")
        xsk = af_xdp.acquire(dev, receive=True)
        promisc = arp = None
        try:
            if values.get("PROMISC"):
                promisc = promiscuous(dev)
            arp = fanout.arp_socket(dev)     # --workers: the program passes ARP to the stack
        except OSError as e:
            af_xdp.release(xsk)
            if promisc is not None:
                promisc.close()
            if isinstance(e, RingError) or not e.strerror:
                raise
            raise RingError(f"{dev}: cannot open the workers' ARP socket: {e.strerror}") \
                from None
        c[IFINDEX] = xsk.ifindex
        c[XSK] = 1
        c[ARP_FD] = 0 if arp is None else arp.fileno() + 1
        c[XSK_DROPS] = xsk.kernel_drops()
        log.info("FromDevice(%s): AFXDP, queue(s) %s, %s mode, XDP program in %s mode",
                 dev, ",".join(map(str, xsk.qids)), "zero-copy" if xsk.zerocopy else "copy",
                 xsk.redirect.mode)
        open_rings.remember(c, _Input(None, None, arp, xsk=xsk, promisc=promisc), _Input.close)
        return (np.zeros(1, dtype=np.uint8), c, xsk.rx, xsk.fill, xsk.umem, xsk.ctl)

    @classmethod
    def _statistics(cls, c):
        inp = open_rings.get(c)
        if inp is None:
            return
        try:
            if inp.xsk is not None:
                drops = inp.xsk.kernel_drops()
                c[KDROPS] += drops - c[XSK_DROPS]
                c[XSK_DROPS] = drops
                return
            packets, drops = inp.ring.statistics()
        except OSError:
            return
        c[KPACKETS] += packets
        c[KDROPS] += drops

    @classmethod
    def wait_fds(cls, values, st):
        """The packet socket: readable when the kernel hands a frame of the ring over.
        AF_XDP sockets: readable when their rx ring has frames (and poll() wakes a
        zero-copy driver that waits for a kick to refill)."""
        inp = open_rings.get(st[1])
        if inp is None:
            return ()
        arp = () if inp.arp is None else (inp.arp.fileno(),)
        if inp.xsk is not None:
            return inp.xsk.filenos() + arp
        return (inp.ring.sock.fileno(),) + arp

    @classmethod
    def wake_after(cls, values, st):
        return None

    @classmethod
    def host_close(cls, values, st, pool):
        cls._statistics(st[1])
        open_rings.close(st[1])

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[1]
        if name == "count":
            return str(int(c[COUNT]))
        if name == "kernel_drops":
            cls._statistics(c)
            return str(int(c[KDROPS]))
        if name == "encap":
            return "ETHER"
        if name == "ring_errors":
            return str(int(st[5][af_xdp.CORRUPT] if c[XSK] else c[R_CORRUPT]))
        if name == "not_ip":
            return str(int(c[NOT_IP]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "reset_counts":
            raise KeyError(name)
        c = st[1]
        cls._statistics(c)
        c[COUNT] = c[KDROPS] = c[KPACKETS] = c[NOT_IP] = 0

    @classmethod
    def method(cls, values):
        return values.get("METHOD") or values.get("CAPTURE")

    @classmethod
    def sets_for(cls, values):
        """FORCE_IP marks the IP header of what leaves output 0."""
        return {IP_HEADER: (0,)} if values.get("FORCE_IP") else {}

    @classmethod
    def check_config(cls, values, ctx):
        method = cls.method(values)
        if values.get("BPF_FILTER") and method not in (None, "PCAP"):
            return [ArgWarning("not using METHOD PCAP, BPF filter ignored", None,
                               "BPF_FILTER works only with METHOD PCAP")]
        return []
