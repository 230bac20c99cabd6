"""What a kernel returns, and how: the contract between elements and the compiler.

Kernels are numba functions over one packet (a slot of the pool, see
clickpy.packet) and the element's state tuple.  They follow the data-path
rules: no allocation, no exceptions, no Python objects, no libm; a packet too
short for what the kernel reads is dropped with a reason, never read past.

An element provides, under Click's method names, the kernels its
processing needs:

    simple_action(P, s, st) -> int
        Output port (>= 0) for packet s, STOLEN if the element kept it
        (a Queue stored it), or drop(r) to drop it for drop_reasons[r].
    push(P, port, s, st, emit) -> int
        For elements that emit several packets or new ones (Tee, IPFragmenter,
        ARPQuerier): writes (output, slot) pairs to emit[0], emit[1], emit[2]...
        and returns how many; the input packet must be among them, released
        (packet.release) or kept.
    pull(P, port, st) -> int
        A packet for output `port` (a Queue's head), or -1.
    run_task(P, st) -> int
        A source's next packet, or -1 when it has none now.

An element with a pull input and both push and pull kernels keeps what it pulls
(DelayShaper): on each pull through it, when its task_budget allows (or always,
without one), one packet is pulled from upstream into its push kernel, which
keeps it; then its pull kernel answers with what it has ready, or -1.

Two optional kernels let pull paths be scheduled and rate-limited:

    pull_choice(P, st, attempt) -> int
        For elements that pull from several inputs (RoundRobinSched,
        PrioSched): which input to try on this attempt (0, 1, ...), -1 to stop.
        The compiler pulls from that input; the first packet found is the result.
        Two more let such an element keep a pulled packet for a later pull
        (DRRSched holds one per input until its deficit covers it):
            pull_held(P, st, input) -> int: a packet it kept from that input
                (given up now), used instead of pulling; or -1.
            pull_offer(P, st, input, s) -> int: what it makes of packet s from
                that input (-1: the input had none): s to return it, or -1
                when it kept s or there was none; the next attempt follows.
    task_budget(P, st) -> int
        For sources and elements that pull at a rate or in bursts (Shaper,
        RatedUnqueue, Unqueue BURST, InfiniteSource BURST): how many packets
        they may move now; 0 means not now.  A task asks once per round (one
        Click task scheduling); an element pulled at a rate is asked per pull,
        and so is a pull-to-push element with budget_each_pull (LinkUnqueue),
        whose answer is then 1 for one more pull or 0 to stop.

A pull through an element with a simple_action or push kernel pulls from the
first pull input its flow code links to the pulled output (Click's
Element::pull(port) pulls input(port): "#/#" links input i to output i only).
One optional kernel may refuse the pull first:

    pull_gate(P, port, st) -> int
        Nonzero to pull from upstream for output `port` now; 0 to answer with
        no packet, leaving upstream's packets where they are (Click's
        Suppressor::pull on a suppressed port).

One more for elements with a Click Timer (expiry, garbage collection):

    run_timer(P, st, emit) -> int
        Called once per round, with P's clock (C_NOW) advanced: does what is
        due (and nothing when nothing is), and writes (output, slot) pairs to
        emit as push does -- packets the timer releases or drops -- returning
        how many.

And one for elements whose host-side work (Python, after a round) is only
sometimes there -- text to print, records to write, an END_CALL to make:

    host_pending(P, st) -> bool
        Called after every round: whether the host has work for the element
        now -- host_flush, or handler calls it asked for (take_handler_calls).
        The driver calls them only then, so a round with nothing to report
        costs no Python call per element, and rounds run back to back in
        compiled code until one leaves such work (codegen's run_rounds).  It
        may also do what needs no Python (ToDevice's send, a handler's
        clock).  Without it, host_flush and take_handler_calls run after
        every round.
"""
from __future__ import annotations

from numba import njit

from clickpy.compile import callees

callees.install()   # numba callers get kernels compiled once per types, to LLVM IR only

STOLEN = -1          # the element kept the packet (queued, buffered, sent)
_DROP_BASE = -2      # drop(r) == -2 - r


@njit(cache=True, _nrt=False)
def drop(reason: int) -> int:
    """The return code that drops a packet for the element's drop_reasons[reason]."""
    return _DROP_BASE - reason


@njit(cache=True, _nrt=False)
def drop_reason(code: int) -> int:
    """Inverse of drop(): the reason index of a drop code."""
    return _DROP_BASE - code
