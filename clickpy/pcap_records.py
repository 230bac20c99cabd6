"""Walking a pcap file's record headers in compiled code.

A trace of a million packets took seven seconds to index one record at a
time in Python before FromDump could start; these loops take milliseconds.
clickpy.pcap keeps the file format's rules and its error messages; this
module only finds the records: a first pass counts them (so the arrays are
allocated once, at their size), a second fills them, and `gather` copies the
captured bytes into one array.
"""
from __future__ import annotations

import numpy as np
from numba import njit

RECORD_HEADER_LEN = 16
# Why a walk stopped early (the record's file offset and a detail come with it).
OK, TRUNCATED_HEADER, TOO_BIG, TRUNCATED_BODY = range(4)


@njit(cache=True)
def _u32(raw, at, big):
    if big:
        return (np.int64(raw[at]) << 24) | (np.int64(raw[at + 1]) << 16) \
            | (np.int64(raw[at + 2]) << 8) | np.int64(raw[at + 3])
    return (np.int64(raw[at + 3]) << 24) | (np.int64(raw[at + 2]) << 16) \
        | (np.int64(raw[at + 1]) << 8) | np.int64(raw[at])


@njit(cache=True)
def walk(raw, pos, big, minor, extra, scale, max_caplen, fill, ts, wire, start, caplens, fpos):
    """Records from file offset `pos`: (count, end offset, OK or why it stopped, detail).

    With `fill`, also store each record's timestamp (ns), wire length, body
    offset, captured length and header offset.  Old files (minor < 3) swap
    the two lengths; a caplen beyond the wire length keeps only the wire
    length (tcptrace's off-by-one), as Click's FromDump does.
    """
    n_raw = raw.shape[0]
    n = 0
    while pos < n_raw:
        if pos + RECORD_HEADER_LEN > n_raw:
            return n, pos, TRUNCATED_HEADER, 0
        sec = _u32(raw, pos, big)
        if sec >= 1 << 31:
            sec -= 1 << 32                      # seconds are signed
        sub = _u32(raw, pos + 4, big)
        if sub >= 1 << 31:
            sub -= 1 << 32                      # and so are their fractions ("iiII")
        caplen = _u32(raw, pos + 8, big)
        length = _u32(raw, pos + 12, big)
        if not (minor > 3 or (minor == 3 and caplen <= length)):
            caplen, length = length, caplen
        if caplen > max_caplen:
            return n, pos, TOO_BIG, caplen
        skip = 0
        if caplen > length:
            skip = caplen - length
            caplen = length
        body = pos + RECORD_HEADER_LEN + extra
        if body + caplen + skip > n_raw:
            return n, pos, TRUNCATED_BODY, caplen
        if fill:
            ts[n] = sec * 1_000_000_000 + sub * scale
            wire[n] = length
            start[n] = body
            caplens[n] = caplen
            fpos[n] = pos
        n += 1
        pos = body + caplen + skip
    return n, pos, OK, 0


@njit(cache=True)
def gather(raw, start, caplens, offsets, out):
    """The records' captured bytes, back to back: out[offsets[k]:offsets[k + 1]]."""
    for k in range(start.shape[0]):
        a, o, n = start[k], offsets[k], caplens[k]
        out[o:o + n] = raw[a:a + n]
