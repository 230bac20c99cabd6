"""The XDP program that hands an interface's frames to AF_XDP sockets, loaded with bpf(2).

An AF_XDP socket receives only what an XDP program redirects to it.  The
program is five hand-assembled eBPF instructions, the equivalent of

    return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);

over an XSKMAP from queue number to socket: a frame arriving on a queue
with a socket goes to that socket (the host stack never sees it), the
others go on to the stack.  With pass_arp (a `--workers` run, where each
worker holds the sockets of some queues only) four more instructions first
send ARP frames to the stack, where every worker's packet socket gets a copy
of each (clickpy.rings.fanout.arp_socket) for its own ARP table.  No C compiler, no libbpf: the map and the
program are created with the bpf() system call and attached as a BPF link
(BPF_LINK_CREATE, Linux 5.9 or later), native (driver) mode first, generic
(skb) mode when the driver has no XDP.  Closing the link detaches the
program; so does the end of the process that owns it.
"""
from __future__ import annotations

import ctypes
import errno
import logging
import os
import struct

from clickpy.rings.kernel_filter import bpf_call

log = logging.getLogger(__name__)

BPF_MAP_CREATE, BPF_MAP_UPDATE_ELEM, BPF_PROG_LOAD, BPF_LINK_CREATE = 0, 2, 5, 28
BPF_MAP_TYPE_XSKMAP = 17
BPF_PROG_TYPE_XDP = 6
BPF_XDP = 37                      # attach type
BPF_PSEUDO_MAP_FD = 1
BPF_FUNC_REDIRECT_MAP = 51
XDP_PASS = 2
XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE = 2, 4
MODES = (("native", XDP_FLAGS_DRV_MODE), ("generic", XDP_FLAGS_SKB_MODE))
MAX_QUEUES = 256                  # XSKMAP entries: queues past this go to the stack
XDP_MD_RX_QUEUE_INDEX = 16        # offsetof(struct xdp_md, rx_queue_index)


def _insn(op: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", op, (src << 4) | dst, off, imm)


ETH_P_ARP_BE = 0x0608            # 0x0806 as a little-endian load of the ethertype sees it


def arp_to_stack() -> bytes:
    """Instructions that return XDP_PASS for an ARP frame (r1 = ctx, kept); other frames
    fall through to the redirect that follows."""
    return b"".join((
        _insn(0x61, dst=2, src=1, off=0),                      # r2 = ctx->data
        _insn(0x61, dst=3, src=1, off=4),                      # r3 = ctx->data_end
        _insn(0xBF, dst=4, src=2),                             # r4 = r2
        _insn(0x07, dst=4, imm=14),                            # r4 += 14 (Ethernet header)
        _insn(0x2D, dst=4, src=3, off=4),                      # if r4 > r3 goto redirect
        _insn(0x69, dst=4, src=2, off=12),                     # r4 = ethertype (u16 load)
        _insn(0x55, dst=4, off=2, imm=ETH_P_ARP_BE),           # if r4 != ARP goto redirect
        _insn(0xB7, dst=0, imm=XDP_PASS),                      # r0 = XDP_PASS
        _insn(0x95),                                           # return r0
    ))


def program(map_fd: int, pass_arp: bool = False) -> bytes:
    """The redirect program's instructions, for the XSKMAP open as map_fd; pass_arp: ARP
    frames go to the host stack instead."""
    return (arp_to_stack() if pass_arp else b"") + b"".join((
        _insn(0x61, dst=2, src=1, off=XDP_MD_RX_QUEUE_INDEX),   # r2 = ctx->rx_queue_index
        _insn(0x18, dst=1, src=BPF_PSEUDO_MAP_FD, imm=map_fd),  # r1 = &xsks  (two slots)
        _insn(0x00),
        _insn(0xB7, dst=3, imm=XDP_PASS),                      # r3 = XDP_PASS
        _insn(0x85, imm=BPF_FUNC_REDIRECT_MAP),                 # r0 = bpf_redirect_map()
        _insn(0x95),                                           # return r0
    ))


class XdpError(OSError):
    """An interface where the redirect program cannot be loaded or attached."""


class XdpRedirect:
    """The redirect program attached to one interface; put(queue, fd) routes a queue."""

    def __init__(self, dev: str, ifindex: int, pass_arp: bool = False):
        self.dev = dev
        self.map = self.prog = self.link = -1
        try:
            self.map = bpf_call(BPF_MAP_CREATE, struct.pack(
                "<IIIII", BPF_MAP_TYPE_XSKMAP, 4, 4, MAX_QUEUES, 0))
            self.prog = self._load(program(self.map, pass_arp))
        except OSError as e:
            self.close()
            raise XdpError(f"{dev}: cannot load the XDP redirect program: {e.strerror or e} "
                           "(needs root or CAP_BPF and CAP_NET_ADMIN, and a kernel with "
                           "CONFIG_XDP_SOCKETS)") from None
        errors = []
        for mode, flags in MODES:
            try:
                self.link = bpf_call(BPF_LINK_CREATE, struct.pack(
                    "<IIII", self.prog, ifindex, BPF_XDP, flags))
                self.mode = mode
                break
            except OSError as e:
                errors.append((mode, e))
                if e.errno == errno.EBUSY:      # another program is attached: no use retrying
                    break
        if self.link < 0:
            self.close()
            if errors[-1][1].errno == errno.EBUSY:
                raise XdpError(f"{dev} already has an XDP program attached (another "
                               "AF_XDP user?); detach it first: ip link set dev "
                               f"{dev} xdp off") from None
            why = "; ".join(f"{m} mode: {e.strerror or e}" for m, e in errors)
            raise XdpError(f"{dev} cannot run XDP ({why}); use METHOD AFPACKET") from None
        log.info("%s: XDP redirect program attached in %s mode", dev, self.mode)

    @staticmethod
    def _load(insns: bytes) -> int:
        code = ctypes.create_string_buffer(insns, len(insns))
        lic = ctypes.create_string_buffer(b"GPL")
        name = b"clickpy_xsk"
        attr = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_XDP, len(insns) // 8,
                           ctypes.addressof(code), ctypes.addressof(lic), 0, 0, 0, 0, 0,
                           name, 0, BPF_XDP)
        try:
            return bpf_call(BPF_PROG_LOAD, attr)
        except OSError as e:
            if e.errno != errno.EACCES and e.errno != errno.EINVAL:
                raise
        logbuf = ctypes.create_string_buffer(1 << 16)      # again, for the verifier's reason
        attr = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_XDP, len(insns) // 8,
                           ctypes.addressof(code), ctypes.addressof(lic), 1, len(logbuf),
                           ctypes.addressof(logbuf), 0, 0, name, 0, BPF_XDP)
        try:
            return bpf_call(BPF_PROG_LOAD, attr)
        except OSError as e:
            text = logbuf.value.decode(errors="replace").strip().splitlines()
            raise OSError(e.errno, f"{e.strerror}: {text[-1] if text else 'no verifier log'}") \
                from None

    def put(self, queue: int, xsk_fd: int) -> None:
        """Frames arriving on `queue` go to the AF_XDP socket xsk_fd from now on."""
        key, value = ctypes.c_uint32(queue), ctypes.c_uint32(xsk_fd)
        try:
            bpf_call(BPF_MAP_UPDATE_ELEM, struct.pack("<IIQQQ", self.map, 0, ctypes.addressof(key),
                                                      ctypes.addressof(value), 0))
        except OSError as e:
            raise XdpError(f"{self.dev}: cannot route queue {queue} to its AF_XDP socket: "
                           f"{e.strerror or e}") from None

    def keep_map_only(self) -> None:
        """In a forked worker: close its copies of the link and program, keeping the map to
        route its queues, so that the program stays attached only as long as the process
        that attached it holds the link."""
        for fd in (self.link, self.prog):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.link = self.prog = -1

    def close(self) -> None:
        """Detach the program (closing the link) and free it and its map."""
        for fd in (self.link, self.prog, self.map):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.link = self.prog = self.map = -1
