"""InfiniteSource: generates copies of one packet as fast as it is scheduled.

Also home of the packet template that InfiniteSource and RatedSource share:
the DATA argument and the packet built from it live in state arrays, so that
the `data` and `length` handlers can change them while running.
"""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Bool, Data, Integer, ParseContext
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.packet import A_TSTAMP, C_NOW, C_STOP, HEADROOM, SLOT_SIZE, alloc, copy_bytes

DEFAULT_DATA = b"Random bullshit in a packet, at least 64 bytes long. Well, now it is."
MAX_PACKET = SLOT_SIZE - HEADROOM  # longest packet a pool slot holds

# ---- the packet template (shared with RatedSource) --------------------------------------
# state: (control words, template bytes, DATA bytes); control words 0..2 are the template's.
T_LEN, D_LEN, DATASIZE = range(3)


def datasize_of(values) -> int:
    """Click's _datasize: DATASIZE, else LENGTH, else -1 (the packet is DATA)."""
    for key in ("DATASIZE", "LENGTH"):
        if values.get(key) is not None:
            return values[key]
    return -1


def packet_bytes(data: bytes, datasize: int) -> bytes:
    """Click's setup_packet(): DATA, cut or repeated to `datasize` bytes when that is >= 0."""
    if datasize < 0:
        return data
    if datasize <= len(data):
        return data[:datasize]
    if not data:  # Click would loop forever here
        return bytes(datasize)
    return (data * (datasize // len(data) + 1))[:datasize]


def size_issue(values, default_data: bytes) -> list[ArgIssue]:
    """A check_config issue when the packet would not fit a pool slot."""
    data = values.get("DATA")
    n = len(packet_bytes(default_data if data is None else data, datasize_of(values)))
    if n > MAX_PACKET:
        return [ArgIssue(f"packets of {n} bytes do not fit clickpy's packet slots "
                         f"({MAX_PACKET} bytes at most)", None,
                         f"use LENGTH {MAX_PACKET} or less")]
    return []


def template_state(values, default_data: bytes, words: int) -> tuple:
    data = values.get("DATA")
    data = default_data if data is None else data
    c = np.zeros(words, dtype=np.int64)
    c[DATASIZE] = datasize_of(values)
    buf = np.zeros(max(len(data), MAX_PACKET), dtype=np.uint8)
    tpl = np.zeros(MAX_PACKET, dtype=np.uint8)
    st = (c, tpl, buf)
    set_data(st, data)
    set_template(st, packet_bytes(data, int(c[DATASIZE])))
    return st


def set_data(st, data: bytes) -> None:
    c, _, buf = st
    if len(data) > buf.shape[0]:
        raise ValueError(f"data: at most {buf.shape[0]} bytes")
    buf[:len(data)] = np.frombuffer(data, dtype=np.uint8)
    c[D_LEN] = len(data)


def get_data(st) -> bytes:
    c, _, buf = st
    return buf[:int(c[D_LEN])].tobytes()


def set_template(st, pkt: bytes) -> None:
    c, tpl, _ = st
    if len(pkt) > MAX_PACKET:
        raise ValueError(f"packets of {len(pkt)} bytes do not fit clickpy's packet slots "
                         f"({MAX_PACKET} bytes at most)")
    tpl[:len(pkt)] = np.frombuffer(pkt, dtype=np.uint8)
    c[T_LEN] = len(pkt)


def handler_text(text: str, handler: str) -> bytes:
    """A raw handler value as bytes (one byte per character, like Click's String)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"{handler}: characters beyond \\xff cannot be packet data") from None


def parse_int(text: str, message: str, low: int | None = None) -> int:
    try:
        return Integer(low).parse(text.strip(), ParseContext())
    except ArgError:
        raise ValueError(message) from None


@njit(cache=True, _nrt=False)
def make_packet(P, st):
    """A new packet holding the template, or -1 when the pool is empty."""
    s = alloc(P)
    if s < 0:
        return -1
    c, tpl = st[0], st[1]
    n = c[T_LEN]
    copy_bytes(P[0][s], P[1][s], tpl, 0, n)
    P[2][s] = n
    return s


# ---- InfiniteSource ----------------------------------------------------------------------
ACTIVE, LIMIT, BURST, COUNT, STOP, TIMESTAMP, END_CALLS = range(3, 10)  # after the template's
END_STOP, END_HANDLER, END_DONE = 1, 2, 3   # STOP word: what to do once LIMIT is reached


@njit(cache=True, _nrt=False)
def _limit_reached(P, c):
    if c[LIMIT] >= 0 and c[COUNT] >= c[LIMIT]:
        if c[STOP] == END_STOP:        # one request, as Click's task is not rescheduled
            P[5][C_STOP] += 1
            c[STOP] = END_DONE
        elif c[STOP] == END_HANDLER:   # once: the task is not rescheduled after it
            c[END_CALLS] += 1
            c[STOP] = END_DONE
        return True
    return False


@njit(cache=True, _nrt=False)
def infinitesource_calls_pending(P, st):
    """An END_CALL the data path asked for waits for the host (take_handler_calls)."""
    return st[0][END_CALLS] != 0


@njit(cache=True, _nrt=False)
def infinitesource(P, st):
    c = st[0]
    if not c[ACTIVE] or _limit_reached(P, c):
        return -1
    s = make_packet(P, st)
    if s < 0:
        return -1
    if c[TIMESTAMP]:
        P[3][s, A_TSTAMP] = P[5][C_NOW]
    c[COUNT] += 1
    return s


@njit(cache=True, _nrt=False)
def infinitesource_budget(P, st):
    """Packets one scheduling emits: Click's BURST, cut at LIMIT (0 when done or inactive)."""
    c = st[0]
    if not c[ACTIVE] or _limit_reached(P, c):
        return 0
    n = c[BURST]
    if c[LIMIT] >= 0 and c[COUNT] + n >= c[LIMIT]:
        n = c[LIMIT] - c[COUNT]
    return n



def read_source_handler(c, name: str) -> str | None:
    """active, count, limit or burst: the handlers InfiniteSource's kin (RandomSource) share,
    from their shared state words; None for another handler."""
    if name == "active":
        return unparse_bool(c[ACTIVE])
    word = {"count": COUNT, "limit": LIMIT, "burst": BURST}.get(name)
    return None if word is None else str(int(c[word]))


def write_source_handler(c, name: str, text: str, end_action: int) -> bool:
    """A write to InfiniteSource's kin: any write reschedules Click's task, so a source
    that stopped the driver may do so again; then limit, burst, active or reset.  False
    for another handler (the caller's own)."""
    if c[STOP] == END_DONE and end_action == END_STOP:
        c[STOP] = END_STOP
    if name == "limit":
        c[LIMIT] = parse_int(text, "limit parameter must be integer")
    elif name == "burst":
        c[BURST] = parse_int(text, "burstsize parameter must be integer >= 1", 1)
    elif name == "active":
        try:
            c[ACTIVE] = parse_bool(text, "active")
        except ValueError:
            raise ValueError("active parameter must be boolean") from None
    elif name == "reset":
        c[COUNT] = 0
    else:
        return False
    return True

class InfiniteSource(Element):
    """Generates packets whenever scheduled.

    Creates packets consisting of DATA and pushes BURST of them out its
    single output each time it runs (or returns one per pull), until LIMIT
    packets have been sent; a negative LIMIT (the default) never stops.
    LENGTH pads or cuts DATA to that length.  Once LIMIT is reached, STOP
    stops the driver, or END_CALL calls a write handler (not both).
    """

    port_count = "0/1"
    processing = "a/a"
    args = (
        Arg("DATA", Data(), positional=True, default=DEFAULT_DATA, doc="packet contents"),
        Arg("LIMIT", Integer(name="packet count"), positional=True, default=-1,
            doc="packets to send; negative means forever"),
        Arg("BURST", Integer(1, name="burst size"), positional=True, default=1,
            doc="packets sent per scheduling (>= 1)"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="send packets at all"),
        Arg("LENGTH", Integer(name="packet length"), doc="length of each packet (repeats DATA)"),
        Arg("DATASIZE", Integer(name="packet length"), doc="deprecated synonym for LENGTH"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler called after LIMIT packets"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
    )
    handlers = (
        Handler("count", doc="packets generated so far"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
        Handler("data", write=True, doc="the DATA parameter"),
        Handler("length", write=True, doc="the LENGTH parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("burst", write=True, doc="the BURST parameter"),
        Handler("active", write=True, doc="whether packets are generated"),
    )
    new_packets = True
    run_task = infinitesource
    # Proposed optional kernel: packets the task may emit now (BURST, LIMIT, ACTIVE).
    task_budget = infinitesource_budget
    host_pending = infinitesource_calls_pending

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("STOP") and values.get("END_CALL") is not None:
            return [ArgIssue("END_CALL and STOP are mutually exclusive", None,
                             "STOP true is the same as END_CALL stop; keep one")]
        return size_issue(values, DEFAULT_DATA)

    @classmethod
    def end_action(cls, values) -> int:
        """STOP true or END_CALL stop stop the driver; another END_CALL is made by the host."""
        call = values.get("END_CALL")
        if call is None:
            return END_STOP if values.get("STOP") else 0
        if call.element is None and call.handler == "stop":
            return END_STOP
        return END_HANDLER

    @classmethod
    def take_handler_calls(cls, values, st):
        c = st[0]
        n, c[END_CALLS] = int(c[END_CALLS]), 0
        return [values["END_CALL"]] * n if values.get("END_CALL") is not None else []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        st = template_state(values, DEFAULT_DATA, 10)
        c = st[0]
        limit = values.get("LIMIT")
        c[ACTIVE] = bool(values.get("ACTIVE", True))
        c[LIMIT] = -1 if limit is None else limit
        c[BURST] = values.get("BURST") or 1
        c[STOP] = cls.end_action(values)
        c[TIMESTAMP] = bool(values.get("TIMESTAMP", True))
        return st

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "data":
            return get_data(st).decode("latin-1")
        if name == "length":
            return str(int(c[DATASIZE]))
        text = read_source_handler(c, name)
        if text is None:
            raise KeyError(name)
        return text

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if write_source_handler(c, name, text, cls.end_action(values)):
            return
        if name == "data":
            data = handler_text(text, "data")
            pkt = packet_bytes(data, int(c[DATASIZE]))
            set_template(st, pkt)
            set_data(st, data)
        elif name == "length":
            datasize = parse_int(text, "length must be integer")
            set_template(st, packet_bytes(get_data(st), datasize))
            c[DATASIZE] = datasize
        else:
            raise KeyError(name)
