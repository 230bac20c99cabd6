"""Internet-header helpers for kernels: Click's checksum routines and a few header reads.

Numba functions over the pool arrays (see clickpy.packet), usable from any
element's kernel:

- in_cksum: Click's click_in_cksum, the Internet checksum of a byte range;
- pseudohdr: click_in_cksum_pseudohdr, folding the TCP/UDP pseudo-header
  into such a checksum (the final destination of a source-route option
  counts, as in Click);
- update_in_cksum / update_zero_in_cksum: RFC 1624 incremental updates as
  Click's click_update_in_cksum does them;
- transport_offset: the transport header of a packet (the A_TH annotation,
  or the network header plus its length when A_TH is unset).

Click sums 16-bit words in host (little-endian) order; these helpers sum
them big-endian.  Ones'-complement sums commute with byte swapping, so the
stored checksums are the same bytes.

Also here: a small event log that kernels write and the host drains, for
elements that print messages (Click's click_chatter) from the data path.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from clickpy.kernel import drop
from clickpy.packet import A_NH, A_TH, ones_sum, rd16

IPOPT_EOL, IPOPT_NOP, IPOPT_LSRR, IPOPT_SSRR = 0, 1, 131, 137
IP_DF, IP_MF, IP_OFFMASK = 0x4000, 0x2000, 0x1FFF


@njit(cache=True, _nrt=False)
def fold16(acc: int) -> int:
    """Fold a ones'-complement sum to 16 bits (not complemented)."""
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


@njit(cache=True, _nrt=False)
def in_cksum(data, s: int, at: int, n: int) -> int:
    """Click's click_in_cksum over n bytes from absolute offset `at`."""
    return (~fold16(ones_sum(data, s, at, n, 0))) & 0xFFFF


@njit(cache=True, _nrt=False)
def pseudohdr(data, s: int, nh: int, end: int, csum: int, tlen: int) -> int:
    """Click's click_in_cksum_pseudohdr(csum, iph, tlen) for the IP header at `nh`.

    csum is an in_cksum() result over the transport bytes; the protocol
    comes from the IP header.  With options, a source-route option's final
    address replaces the destination (Click's click_in_cksum_pseudohdr_hard);
    options are read no further than `end`.
    """
    hl = (np.int64(data[s, nh]) & 0xF) << 2
    dst = nh + 16
    if hl != 20:
        opt = nh + 20
        eo = min(nh + hl, end)
        while opt < eo:
            t = data[s, opt]
            if t == IPOPT_NOP:
                opt += 1
                continue
            if t == IPOPT_EOL or opt + 1 >= eo:
                break
            olen = np.int64(data[s, opt + 1])
            if olen < 2 or opt + olen > eo:
                break
            if (t == IPOPT_SSRR or t == IPOPT_LSRR) and olen >= 7:
                dst = opt + olen - 4
                break
            opt += olen
    acc = (~csum) & 0xFFFF
    acc += rd16(data, s, nh + 12) + rd16(data, s, nh + 14)
    acc += rd16(data, s, dst) + rd16(data, s, dst + 2)
    acc += (tlen & 0xFFFF) + np.int64(data[s, nh + 9])
    return (~fold16(acc)) & 0xFFFF


@njit(cache=True, _nrt=False)
def update_in_cksum(csum: int, old_hw: int, new_hw: int) -> int:
    """Click's click_update_in_cksum: the checksum after a halfword changed (RFC 1624)."""
    acc = ((~csum) & 0xFFFF) + ((~old_hw) & 0xFFFF) + (new_hw & 0xFFFF)
    acc = (acc & 0xFFFF) + (acc >> 16)
    return (~(acc + (acc >> 16))) & 0xFFFF


@njit(cache=True, _nrt=False)
def update_zero_in_cksum(csum: int, data, s: int, at: int, n: int) -> int:
    """Click's click_update_zero_in_cksum: 0 becomes 0xFFFF when all n bytes are zero."""
    if csum != 0:
        return csum
    for i in range(at, at + n):
        if data[s, i] != 0:
            return csum
    return 0xFFFF


@njit(cache=True, _nrt=False)
def transport_offset(P, s: int) -> int:
    """Absolute offset of the transport header, or -1 (no network header, or past the end).

    The A_TH annotation when set (CheckIPHeader, MarkIPHeader, encapsulators
    set it), else the network header plus its IP header length.
    """
    data, head, length, anno = P[0], P[1], P[2], P[3]
    th = anno[s, A_TH]
    if th >= 0:
        return th
    nh = anno[s, A_NH]
    if nh < 0 or nh >= head[s] + length[s]:
        return -1
    return nh + ((np.int64(data[s, nh]) & 0xF) << 2)


# ---- an event log the host drains (Click's click_chatter from kernels) ----------

def event_log(rows: int = 32, width: int = 4) -> np.ndarray:
    """State for log_event: row 0 holds (count, lost); rows 1.. the events.

    Rows are at least 2 numbers wide (for the counts); read events back with
    drain_events(log, width).
    """
    return np.zeros((rows + 1, max(width, 2)), dtype=np.int64)


@njit(cache=True, _nrt=False)
def log_event(log, a: int, b: int = 0, c: int = 0, d: int = 0) -> None:
    """Record up to four numbers (as many as the log is wide); when the log is full,
    count the event as lost."""
    n = log[0, 0]
    if n + 1 >= log.shape[0]:
        log[0, 1] += 1
        return
    row = n + 1
    log[row, 0] = a
    log[row, 1] = b
    if log.shape[1] > 2:
        log[row, 2] = c
    if log.shape[1] > 3:
        log[row, 3] = d
    log[0, 0] = n + 1


@njit(cache=True, _nrt=False)
def log_pending(P, st):
    """host_pending of an element whose second state array is its event log: events
    (or lost ones) since the last drain."""
    return st[1][0, 0] != 0 or st[1][0, 1] != 0


def drain_events(log: np.ndarray, width: int) -> tuple[list[tuple[int, ...]], int]:
    """Host side: the events recorded since the last drain (`width` numbers each), and
    how many were lost."""
    n, lost = int(log[0, 0]), int(log[0, 1])
    events = [tuple(int(x) for x in log[1 + i, :width]) for i in range(n)]
    log[0, 0] = 0
    log[0, 1] = 0
    return events, lost


# ---- CheckTCPHeader, CheckUDPHeader, CheckICMPHeader share their bad-packet path ----

CK_DROPS, CK_NOUT, CK_VERBOSE, CK_DETAILS, CK_REASONS = 0, 1, 2, 3, 4  # counter words


def header_check_state(values: dict, n_outputs: int, nreasons: int) -> tuple:
    """(counters, event log) for a Check*Header element."""
    c = np.zeros(CK_REASONS + nreasons, dtype=np.int64)
    c[CK_NOUT] = n_outputs
    c[CK_VERBOSE] = bool(values.get("VERBOSE"))
    c[CK_DETAILS] = bool(values.get("DETAILS"))
    return c, event_log(32, 1)


@njit(cache=True, _nrt=False)
def header_check_failed(c, log, reason: int) -> int:
    """Count a bad packet; it goes to output 1 when connected, else is dropped.

    As Click's Check*Header::drop: the first failure, or every one with
    VERBOSE, is reported (through the event log).
    """
    if c[CK_DROPS] == 0 or c[CK_VERBOSE]:
        log_event(log, reason)
    c[CK_DROPS] += 1
    c[CK_REASONS + reason] += 1
    if c[CK_NOUT] == 2:
        return 1
    return drop(reason)


def header_check_read(name: str, st: tuple, reasons: tuple[str, ...]) -> str:
    """Click's `drops` and `drop_details` (the latter only with DETAILS true)."""
    c = st[0]
    if name == "drops":
        return str(int(c[CK_DROPS]))
    if name == "drop_details" and c[CK_DETAILS]:
        return "".join(f"{int(c[CK_REASONS + i])}\t{r}\n" for i, r in enumerate(reasons))
    raise KeyError(name)


def header_check_flush(st: tuple, what: str, reasons: tuple[str, ...], prefix: str) -> None:
    """Print Click's '<what> header check failed: <reason>' messages to stderr."""
    import sys
    events, lost = drain_events(st[1], 1)
    for (r,) in events:
        print(f"{prefix}{what} header check failed: {reasons[r]}", file=sys.stderr)
    if lost:
        print(f"{prefix}({lost} more {what} header check messages)", file=sys.stderr)
