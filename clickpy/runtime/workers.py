"""One configuration on several cores: `clickpy run --workers N`.

The parent checks and compiles the configuration once, then forks N worker
processes, each with its own Router (its own pool, element state and device
rings).  Compiled code is inherited through fork, so workers start in
milliseconds.  Each FromDevice joins a PACKET_FANOUT group of its interface
(clickpy.rings.fanout): the kernel spreads the frames over the workers by a
symmetric flow hash, so both directions of a flow meet the same worker and
per-flow state (flow tables, counters of a flow) stays correct without
sharing.  Workers are made one after the other, so worker i is member i of
every group, and start their runs together once all are ready (a pipe the
parent closes), so that none has run alone when the first one ends.  Taps
(ToHost, FromHost) are multi-queue: one queue per worker.
With METHOD AFXDP the interface's queues are split instead: worker w opens
AF_XDP sockets on the queues q with q % N == w, in the XSKMAP of one XDP
program the parent attaches before forking and detaches after the last
worker ends (clickpy.rings.af_xdp.share); an interface with fewer queues
than workers is refused.  Which queue a frame arrives on is the interface's
choice (RSS, or a veth sender's transmit queue), not a symmetric flow hash.

What is not shared: every worker has its own tables (ARP tables learn from
the copy of each ARP frame every worker gets; see clickpy.rings.fanout) and
its own counters.  Configurations whose state cannot be split by flow are
refused: address rewriters (IPRewriter, IPAddrRewriter, UDPRewriter,
TCPRewriter, ICMPPingRewriter, ICMPRewriter), whose replies hash differently
from the flows that made their mappings, and pcap inputs and outputs, which
every worker would read or write whole.

Workers report their packet account (for the live counters) every `every`
seconds, and their account and handler values at the end, through a pipe.
The run's account is the sum of theirs (account.combine); handler values are
summed for counters (COUNTERS) and shown once when all workers agree, else
per worker.  While the run lasts, the parent answers the configuration's
ControlSockets, asking every worker through a socketpair of its own
(clickpy.runtime.worker_control).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Callable

import networkx as nx

from clickpy.rings import af_xdp, fanout
from clickpy.runtime.account import Account, combine
from clickpy.runtime.affinity import pin
from clickpy.runtime import stop_signals, worker_control
from clickpy.runtime.router import HandlerError, Router

log = logging.getLogger(__name__)

# Handler names that count events: across workers, their values add up.
COUNTERS = frozenset({"count", "byte_count", "drops", "kernel_drops", "pulls", "not_ip",
                      "ring_errors", "length", "highwater_length", "packets", "bytes",
                      "mapping_failures", "nmappings", "size"})
# Elements whose state cannot be split by a flow hash of the packets as they arrive.
_REWRITES = ("rewrites addresses: replies hash as another flow and may reach a worker without "
             "the mapping")
NOT_SPLITTABLE = {
    **{name: _REWRITES for name in ("IPRewriter", "IPAddrRewriter", "UDPRewriter",
                                    "TCPRewriter", "ICMPPingRewriter", "ICMPRewriter")},
    "FromDump": "every worker would read the whole file",
    "ToDump": "every worker would write the same file",
    "Script": "would run in every worker: its prints, handler writes and stops once per worker",
    "DriverManager": "would run in every worker, each stopping only its own run",
}
READY_TIMEOUT = 900.0


class WorkersError(Exception):
    """A configuration --workers cannot run, or a worker that failed; message for users."""


@dataclass
class Result:
    accounts: list[Account]
    handlers: dict[tuple[str, str], list[str | HandlerError]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def account(self) -> Account:
        return combine(self.accounts)


def refusal(graph: nx.MultiDiGraph) -> str | None:
    """Why this configuration cannot be split over workers, or None."""
    for n, d in graph.nodes(data=True):
        why = NOT_SPLITTABLE.get(d.get("class_name"))
        if why:
            return f"--workers: {n} :: {d['class_name']} {why}; run it with one worker"
    return None


def afxdp_devices(graph: nx.MultiDiGraph) -> dict[str, bool]:
    """The interfaces device elements use with METHOD AFXDP: name -> whether one is read."""
    devices: dict[str, bool] = {}
    for _, d in graph.nodes(data=True):
        values = d.get("values") or {}
        if "AFXDP" in (values.get("METHOD"), values.get("CAPTURE")) and values.get("DEVNAME"):
            dev = str(values["DEVNAME"])
            devices[dev] = devices.get(dev, False) or d.get("class_name") != "ToDevice"
    return devices


def handler_text(name: str, values: list[str | HandlerError]) -> str:
    """One handler's value for the whole run, from each worker's."""
    handler = name.rpartition(".")[2]
    if any(isinstance(v, HandlerError) for v in values):
        return "\n".join(f"worker {i}: {v}" for i, v in enumerate(values))
    texts = [v.strip() for v in values]
    if handler in COUNTERS and all(_is_int(t) for t in texts):
        return str(sum(int(t) for t in texts))
    if all(t == texts[0] for t in texts):
        return texts[0]
    return "\n".join(f"worker {i}: {t}" for i, t in enumerate(texts))


def _is_int(t: str) -> bool:
    try:
        int(t)
        return True
    except ValueError:
        return False


class _View:
    """What the live counter printer reads: the workers' latest accounts, summed."""

    def __init__(self, accounts):
        self.accounts = accounts

    def account(self) -> Account:
        return combine(a for a in self.accounts if a is not None)


def _interrupt_once(signum, frame):
    """Ctrl-C reaches a worker twice (from the terminal and from the parent): the first
    ends the run, the second must not interrupt the report of its end."""
    stop_signals.ignore()
    raise KeyboardInterrupt


def _worker(i: int, n: int, run_id: int, conn, graph, batch: int, duration: float | None,
            handlers: list[tuple[str, str, str | None]], every: float, channel,
            go: int, affinity: bool = False) -> None:
    """A worker process's life; never returns.  channel: the parent's way to this worker's
    handlers while it runs (worker_control), or None; go: a pipe's read end that reaches
    its end when every worker is ready; affinity: pin worker i to its CPU (-a)."""
    status = 0
    stop_signals.catch(_interrupt_once)
    try:
        fanout.configure(run_id)
        af_xdp.configure(i, n)
        worker_control.enter_worker(channel)
        router = Router(graph, batch=batch)
        router.compile()
        if affinity:
            pin(i)
        # The parent stops every worker when one ends: the signal may come as soon as it
        # has read "ready", before this one is out of send(), or as this one's run ends
        # on its own.  Either way the run is over, not failed.
        try:
            try:
                conn.send(("ready", i))
                os.read(go, 1)
                router.run(duration=duration, every=every,
                           progress=lambda r: conn.send(("progress", i, r.account())))
            finally:
                stop_signals.ignore()       # the end is being reported
        except KeyboardInterrupt:           # (also one that came inside ignore())
            stop_signals.ignore()
        values = {}
        for name, h, param in handlers:
            try:
                values[(name, h, param)] = router.read(name, h, param)
            except HandlerError as e:
                values[(name, h, param)] = e
        conn.send(("final", i, router.account(), values))
    except BaseException as e:  # noqa: BLE001 -- reported to the parent, which exits 1
        stop_signals.ignore()
        status = 1
        try:
            conn.send(("error", i, f"{type(e).__name__}: {e}" if not isinstance(
                e, (ValueError, OSError)) else str(e)))
        except OSError:
            pass
    finally:
        conn.close()
        os._exit(status)


def run(graph: nx.MultiDiGraph, n: int, batch: int = 64, duration: float | None = None,
        handlers: list[tuple[str, str, str | None]] = (), progress: Callable | None = None,
        every: float = 0.5, config_text: str | None = None, affinity: bool = False) -> Result:
    """Run the checked `graph` on n worker processes until duration, Ctrl-C, or a worker
    ends; the parent compiles first (raises PlanError as Router does).  The parent answers
    the configuration's ControlSockets for all the workers (worker_control); config_text is
    the configuration as given, for their `config` handler; affinity: pin worker i to
    its CPU once compiled (clickpy.runtime.affinity)."""
    why = refusal(graph)
    if why:
        raise WorkersError(why)
    xsk_devices = afxdp_devices(graph)
    try:
        af_xdp.check_queues(xsk_devices, n)
    except ValueError as e:
        raise WorkersError(str(e)) from None
    with worker_control.not_listening():
        first = Router(graph, batch=batch)   # compile once, in the parent; fork inherits it
    try:
        first.compile()
    finally:
        first.close()
    del first
    if xsk_devices:            # one XDP program per interface, attached here, before the fork
        try:
            af_xdp.share(xsk_devices)
        except (OSError, ValueError) as e:
            raise WorkersError(str(e)) from None
    run_id = os.getpid()
    pids, conns, latest = [], [], [None] * n
    finals: dict[int, tuple] = {}
    failed: list[str] = []
    control = worker_control.has_control_sockets(graph)
    links, sockets = [], None

    def stop_all():
        for pid in pids:
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    interrupted = False
    previous = stop_signals.saved()
    go, start_all = os.pipe()
    try:
        for i in range(n):        # one after the other: worker i is member i of each group
            r, w = multiprocessing.Pipe(duplex=False)
            mine, theirs = worker_control.channel_pair() if control else (None, None)
            pid = os.fork()
            if pid == 0:
                r.close()
                os.close(start_all)
                for link in links + [mine]:
                    if link is not None:
                        link.close()
                _worker(i, n, run_id, w, graph, batch, duration, list(handlers), every, theirs,
                        go, affinity)
            w.close()
            if control:
                theirs.close()
                links.append(mine)
            pids.append(pid)
            conns.append(r)
            if not r.poll(READY_TIMEOUT):
                raise WorkersError(f"worker {i} did not start in {READY_TIMEOUT:.0f} s")
            msg = _recv(r)
            if msg is None or msg[0] != "ready":
                failed.append(f"worker {i}: {msg[2] if msg else 'exited before it was ready'}")
                raise WorkersError(failed[-1])
            log.info("worker %d (pid %d) ready", i, pid)
        os.close(start_all)             # every worker is ready: they all start now
        start_all = None
        if control:
            try:
                sockets = worker_control.ParentSockets(graph, links, config_text)
            except OSError as e:
                raise WorkersError(str(e)) from None
        open_conns = set(conns)
        last = time.monotonic()
        while open_conns:
            try:
                ready = wait(list(open_conns) + (sockets.fds() if sockets else []),
                             timeout=every)
                if sockets is not None:
                    sockets.serve()
                for c in ready:
                    if c not in open_conns:     # a control socket (served above)
                        continue
                    msg = _recv(c)
                    if msg is None:
                        open_conns.discard(c)
                        if not interrupted:      # one worker ended: the run ends
                            interrupted = True
                            stop_all()
                        continue
                    kind, i = msg[0], msg[1]
                    if kind == "progress":
                        latest[i] = msg[2]
                    elif kind == "final":
                        finals[i] = msg
                        latest[i] = msg[2]
                    elif kind == "error":
                        failed.append(f"worker {i}: {msg[2]}")
                if progress is not None and time.monotonic() - last >= every:
                    progress(_View(latest))
                    last = time.monotonic()
            except KeyboardInterrupt:
                stop_signals.ignore()   # the workers are ending
                if not interrupted:
                    interrupted = True
                    stop_all()
    except BaseException:
        stop_all()
        raise
    finally:
        stop_signals.restore(previous)
        os.close(go)
        if start_all is not None:
            os.close(start_all)
        if sockets is not None:
            sockets.close()
        for link in links:
            link.close()
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        af_xdp.unshare()       # every worker has ended: detach the programs
    for i in range(n):
        if i not in finals and not any(f.startswith(f"worker {i}:") for f in failed):
            failed.append(f"worker {i}: ended without reporting")
    result = Result([finals[i][2] if i in finals else (latest[i] or Account())
                     for i in range(n)], failed=failed)
    for key in handlers:
        result.handlers[key] = [finals[i][3][key] for i in sorted(finals)]
    return result


def _recv(conn):
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None
