"""CheckIPHeader: validates IPv4 headers and marks them for later elements."""
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, Bool, Integer, IPAddress, IPPrefix, SpaceList
from clickpy.datapath.ipheader import in_cksum, ip_int
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TH, rd16, rd32

# Click's reasons, in Click's order (CheckIPHeader::Reason).
TINY, BAD_VERSION, BAD_HLEN, BAD_IP_LEN, BAD_CHECKSUM, BAD_SADDR = range(6)
REASONS = ("tiny packet", "bad IP version", "bad IP header length",
           "bad IP length", "bad IP checksum", "bad source address")
OFFSET, CHECKSUM, NOUT, VERBOSE = range(4)       # configuration words
DROPS = 0                                        # counters: drops, then one per reason
LOG_SIZE = 256                                   # chatter messages kept between host flushes


@njit(cache=True, _nrt=False)
def _invalid(st, reason):
    cfg, cnt, log = st[0], st[1], st[4]
    # Click chatters about the first bad packet, and about every one when VERBOSE.
    if cnt[DROPS] == 0 or cfg[VERBOSE] != 0:
        n = log[0]
        if n < log.shape[0] - 2:
            log[2 + n] = reason
            log[0] = n + 1
        else:
            log[1] += 1
    cnt[DROPS] += 1
    cnt[1 + reason] += 1
    if cfg[NOUT] == 2:
        return 1
    return drop(reason)


@njit(cache=True, _nrt=False)
def check_ip_header(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    cfg, bad_src, good_dst = st[0], st[2], st[3]
    off = cfg[OFFSET]
    plen = length[s] - off
    if plen < 20:
        return _invalid(st, TINY)
    ip = head[s] + off
    if data[s, ip] >> 4 != 4:
        return _invalid(st, BAD_VERSION)
    hlen = (np.int64(data[s, ip]) & 0xF) << 2
    if hlen < 20:
        return _invalid(st, BAD_HLEN)
    ip_len = rd16(data, s, ip + 2)
    if ip_len > plen or ip_len < hlen:
        return _invalid(st, BAD_IP_LEN)
    if cfg[CHECKSUM] != 0 and in_cksum(data, s, ip, hlen) != 0:
        return _invalid(st, BAD_CHECKSUM)
    dst = rd32(data, s, ip + 16)
    if bad_src.shape[0] > 0:
        src = rd32(data, s, ip + 12)
        for a in bad_src:
            if a == src:
                exempt = False
                for g in good_dst:
                    if g == dst:
                        exempt = True
                if not exempt:
                    return _invalid(st, BAD_SADDR)
                break
    anno[s, A_NH] = ip
    anno[s, A_TH] = ip + hlen
    if plen > ip_len:          # Ethernet padding: shorten to the IP length
        length[s] -= plen - ip_len
    anno[s, A_DST_IP] = dst
    return 0


class _OffsetOrBadSrc(ArgType):
    """First positional argument: OFFSET, or the old syntax's BADSRC2 address list."""

    name = "offset or list of bad source addresses"
    example = "14"

    def parse(self, text, ctx):
        try:
            return Integer(0).parse(text, ctx)
        except ArgError:
            pass
        try:
            return SpaceList(IPAddress()).parse(text, ctx)
        except ArgError:
            raise self.fail(text) from None


@njit(cache=True, _nrt=False)
def check_ip_header_pending(P, st):
    """Failures logged since the last flush: host_flush prints Click's messages."""
    return st[4][0] != 0 or st[4][1] != 0


class CheckIPHeader(Element):
    """Checks IP headers: length, version, header length, total length, checksum, source.

    Input packets carry an IP header OFFSET bytes in.  Valid packets leave on
    output 0, shortened to the IP length, with the IP header annotation and
    the destination IP annotation set; invalid packets go to output 1 if it
    is connected, else are dropped.  Old syntax: CheckIPHeader(BADSRC2, OFFSET).

    Checks, in Click's order: at least 20 bytes from OFFSET ("tiny packet"),
    version 4, header length at least 20, IP length between the header length
    and the bytes present, the checksum (with CHECKSUM), then the source
    address against BADSRC (unless the destination is in GOODDST).  The first
    bad packet (every one with VERBOSE) is reported on standard error.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("OFFSET", _OffsetOrBadSrc(), positional=True, default=0,
            doc="byte position of the IP header"),
        Arg("OLD_OFFSET", Integer(0), positional=True, doc="OFFSET in the old syntax"),
        Arg("INTERFACES", SpaceList(IPPrefix()), doc="this router's addresses with prefixes"),
        Arg("BADSRC", SpaceList(IPAddress()), doc="source addresses to drop"),
        Arg("GOODDST", SpaceList(IPAddress()), doc="destinations exempt from BADSRC"),
        Arg("CHECKSUM", Bool(), default=True, doc="verify the header checksum"),
        Arg("VERBOSE", Bool(), default=False, doc="report every bad packet"),
        Arg("DETAILS", Bool(), default=False, doc="count drops per reason"),
    )
    handlers = (
        Handler("drops", doc="packets dropped as invalid"),
        Handler("drop_details", doc="drops per reason (with DETAILS true)"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = REASONS
    simple_action = check_ip_header
    host_pending = check_ip_header_pending

    @classmethod
    def addresses(cls, values):
        """(offset, bad source addresses, good destinations), resolved as Click's configure does."""
        bad, good = [], []
        if values.get("INTERFACES") is not None:
            for prefix in values["INTERFACES"]:
                net = prefix.network
                bad.append(ip_int(net.broadcast_address))
                good.append(ip_int(prefix.ip))
            bad += [0, 0xFFFFFFFF]
        if values.get("BADSRC") is not None:
            bad = [ip_int(a) for a in values["BADSRC"]]
        if values.get("GOODDST") is not None:
            good = [ip_int(a) for a in values["GOODDST"]]
        offset = values.get("OFFSET") or 0
        if isinstance(offset, list):        # old syntax: CheckIPHeader(BADSRC2, OFFSET)
            bad = [ip_int(a) for a in offset] + [0, 0xFFFFFFFF]
            offset = values.get("OLD_OFFSET") or 0
        return offset, bad, good

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        offset, bad, good = cls.addresses(values)
        cfg = np.zeros(4, dtype=np.int64)
        cfg[OFFSET], cfg[CHECKSUM] = offset, bool(values.get("CHECKSUM"))
        cfg[NOUT], cfg[VERBOSE] = n_outputs, bool(values.get("VERBOSE"))
        return (cfg, np.zeros(1 + len(REASONS), dtype=np.int64),
                np.array(bad, dtype=np.int64), np.array(good, dtype=np.int64),
                np.zeros(2 + LOG_SIZE, dtype=np.int64))

    @classmethod
    def read_handler(cls, name, values, st):
        cnt = st[1]
        if name == "drops":
            return str(int(cnt[DROPS]))
        if name == "drop_details" and values.get("DETAILS"):
            return "".join(f"{int(cnt[1 + r])}\t{text}\n" for r, text in enumerate(REASONS))
        raise KeyError(name)

    @classmethod
    def host_flush(cls, values, st, pool):
        log = st[4]
        n = int(log[0])
        if n == 0 and log[1] == 0:
            return
        for k in range(n):
            print(f"{cls.class_name}: IP header check failed: {REASONS[int(log[2 + k])]}",
                  file=sys.stderr)
        if log[1]:
            print(f"{cls.class_name}: ({int(log[1])} more bad packets not reported)",
                  file=sys.stderr)
        log[:2] = 0
