"""RatedSource: generates copies of one packet at a fixed rate.

The rate is Click's token bucket (clickpy.datapath.tokenbucket) refilled
from the driver's clock: run_task returns -1 while the rate says wait.
"""
from numba import njit

from clickpy.args import Arg, Bandwidth, Bool, Data, Integer
from clickpy.datapath import tokenbucket as tb
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.packet import A_TSTAMP, C_NOW, C_STOP
from elements.standard.infinitesource import (DATASIZE, DEFAULT_DATA, get_data, handler_text,
                                              make_packet, packet_bytes, parse_int, set_data,
                                              set_template, size_issue, template_state)

ACTIVE, LIMIT, COUNT, STOP = range(3, 7)  # control words after the template's
UINT_MAX = 0xFFFFFFFF
STOP_DONE = 2                       # STOP word once the stop was requested


@njit(cache=True, _nrt=False)
def _limit_reached(P, c):
    if c[LIMIT] >= 0 and c[COUNT] >= c[LIMIT]:
        if c[STOP] == 1:               # one request (STOP_DONE after it)
            P[5][C_STOP] += 1
            c[STOP] = STOP_DONE
        return True
    return False


@njit(cache=True, _nrt=False)
def ratedsource(P, st):
    c, bucket = st[0], st[3]
    if not c[ACTIVE] or _limit_reached(P, c):
        return -1
    now = P[5][C_NOW]
    tb.refill(bucket, now)
    if not tb.contains(bucket, 1):
        return -1
    s = make_packet(P, st)
    if s < 0:
        return -1
    tb.remove(bucket, 1)
    P[3][s, A_TSTAMP] = now
    c[COUNT] += 1
    return s


@njit(cache=True, _nrt=False)
def ratedsource_budget(P, st):
    """Packets the rate allows now (0: wait), cut at LIMIT."""
    c, bucket = st[0], st[3]
    if not c[ACTIVE] or _limit_reached(P, c):
        return 0
    tb.refill(bucket, P[5][C_NOW])
    n = tb.size(bucket)
    if c[LIMIT] >= 0 and n > c[LIMIT] - c[COUNT]:
        n = c[LIMIT] - c[COUNT]
    return n


def bucket_size(rate: int) -> int:
    """Click's RatedSource burst: 2 tokens below 200 packets/s, else 10 ms worth."""
    return 2 if rate < 200 else rate // 100


class RatedSource(Element):
    """Generates packets at a specified rate.

    Creates packets consisting of DATA and emits them out its single output
    at RATE packets per second (default 10), at most LIMIT of them (negative,
    the default: forever), and only while ACTIVE.  BANDWIDTH sets RATE from
    the packet length instead.  In push mode at most one packet leaves per
    scheduling.  STOP stops the driver once LIMIT packets are sent.
    """

    port_count = "0/1"
    processing = "a/a"
    args = (
        Arg("DATA", Data(), positional=True, default=DEFAULT_DATA, doc="packet contents"),
        Arg("RATE", Integer(0, name="packet rate"), positional=True, default=10,
            doc="packets per second"),
        Arg("LIMIT", Integer(name="packet count"), positional=True, default=-1,
            doc="packets to send; negative means forever"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="send packets at all"),
        Arg("LENGTH", Integer(name="packet length"), doc="length of each packet (repeats DATA)"),
        Arg("DATASIZE", Integer(name="packet length"), doc="deprecated synonym for LENGTH"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("BANDWIDTH", Bandwidth(), doc="target bandwidth; sets RATE from the packet length"),
    )
    handlers = (
        Handler("count", doc="packets generated so far"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
        Handler("data", write=True, doc="the DATA parameter"),
        Handler("length", write=True, doc="the LENGTH parameter"),
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter; negative means no limit"),
        Handler("active", write=True, doc="whether packets are generated"),
    )
    new_packets = True
    run_task = ratedsource
    # Proposed optional kernel: packets the task may emit now (0: the rate says wait).
    task_budget = ratedsource_budget

    @classmethod
    def check_config(cls, values, ctx):
        return size_issue(values, DEFAULT_DATA)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c, tpl, buf = template_state(values, DEFAULT_DATA, 7)
        rate = min(values.get("RATE", 10), UINT_MAX)
        datasize = int(c[DATASIZE])
        bandwidth = int(values.get("BANDWIDTH") or 0)
        if bandwidth > 0:
            rate = bandwidth // max(datasize if datasize >= 0 else len(get_data((c, tpl, buf))), 1)
        burst = bucket_size(rate)
        if bandwidth > 0 and burst < 2 * datasize:
            burst = 2 * datasize
        limit = values.get("LIMIT")
        c[ACTIVE] = bool(values.get("ACTIVE", True))
        c[LIMIT] = -1 if limit is None or limit < 0 else limit
        c[STOP] = bool(values.get("STOP"))
        bucket = tb.bucket(rate, burst)
        tb.set_tokens(bucket, 1)  # Click's initialize(); the first refill fills it
        return (c, tpl, buf, bucket)

    @classmethod
    def read_handler(cls, name, values, st):
        c, bucket = st[0], st[3]
        if name == "data":
            return get_data(st[:3]).decode("latin-1")
        if name == "rate":
            return str(tb.rate(bucket))
        if name == "active":
            return unparse_bool(c[ACTIVE])
        words = {"count": COUNT, "limit": LIMIT, "length": DATASIZE}
        if name not in words:
            raise KeyError(name)
        return str(int(c[words[name]]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        c, bucket = st[0], st[3]
        if c[STOP] == STOP_DONE:    # a write reschedules Click's task: it may end again
            c[STOP] = 1
        if name == "data":
            # Click: the packet becomes DATA itself, whatever LENGTH says.
            data = handler_text(text, "data")
            set_template(st[:3], data)
            set_data(st[:3], data)
        elif name == "rate":
            rate = parse_int(text, "rate: syntax error (expected an unsigned integer)", 0)
            tb.assign_adjust(bucket, min(rate, UINT_MAX), bucket_size(min(rate, UINT_MAX)))
        elif name == "limit":
            limit = parse_int(text, "limit: syntax error (expected an integer)")
            c[LIMIT] = limit if limit >= 0 else -1
        elif name == "active":
            try:
                active = parse_bool(text, "active")
            except ValueError:
                raise ValueError("active: syntax error (expected a boolean)") from None
            if active and not c[ACTIVE]:
                tb.set_tokens(bucket, 1)
            c[ACTIVE] = active
        elif name == "reset":
            c[COUNT] = 0
            tb.set_tokens(bucket, 1)
        elif name == "length":
            datasize = parse_int(text, "length: syntax error (expected an integer)")
            set_template(st[:3], packet_bytes(get_data(st[:3]), datasize))
            c[DATASIZE] = datasize
        else:
            raise KeyError(name)
