"""Memory mode: the compiled configuration in this process, its devices bound to test ports.

Every FromDevice/PollDevice becomes a FromTestPort and every ToDevice and
ToHost a ToTestPort (clickpy.testing.port_elements); the rest of the graph
is untouched, checked again and compiled into a Router, exactly what
`clickpy run` runs.  Time is simulated: each round advances the clock by
`tick_ns` from T0, so runs reproduce to the byte, timestamps included.
"""
from __future__ import annotations

import itertools
import os
from collections import deque

import networkx as nx

from clickpy.check import check_graph
from clickpy.diagnostics import ConfigError
from clickpy.runtime.bind import HOST, READERS, device_of, quote
from clickpy.runtime.router import Router
from clickpy.testing import port_elements as pe
from clickpy.testing.backend import Backend

T0 = 1_700_000_000 * 10**9      # the simulated clock's start (ns since 1970)
TICK = 1_000_000                # one round is one millisecond of simulated time

_tokens = itertools.count(1)


def bind_ports(graph: nx.MultiDiGraph, prefix: str, only: set[str] | None = None
               ) -> tuple[nx.MultiDiGraph, dict, dict]:
    """A checked copy of the graph with its devices (or those in `only`) replaced by
    test ports.

    Returns (graph, {input port: token}, {output port: token}); several
    ToDevice elements for one device share its port, as they share a wire.
    """
    g = graph.copy()
    inputs, outputs = {}, {}
    for n in list(g.nodes):
        dev = device_of(g, n)
        if dev is None or (only is not None and dev not in only):
            continue
        data = g.nodes[n]
        reader = data["class_name"] in READERS
        if reader and dev in inputs:
            raise ValueError(f"two elements read device {dev!r}: memory mode gives each "
                             "device one input port")
        table, cls = (inputs, pe.FromTestPort) if reader else (outputs, pe.ToTestPort)
        token = table.setdefault(dev, f"{prefix}/{'in' if reader else 'out'}/{dev}")
        data.update(class_name=cls.class_name, config=quote(token), element=cls,
                    config_pos=data["pos"], arg_positions=[data["pos"]])
        for key in ("values", "args_ok", "in_processing", "out_processing"):
            data.pop(key, None)
    result = check_graph(g)
    if result.errors:
        raise ConfigError(result.errors)
    return result.graph, inputs, outputs


class MemoryBackend(Backend):
    mode = "memory"

    def __init__(self, graph: nx.MultiDiGraph, tick_ns: int = TICK, batch: int = 256,
                 pool_slots: int = 8192):
        prefix = f"mem{os.getpid()}-{next(_tokens)}"
        bound, in_tokens, out_tokens = bind_ports(graph, prefix)
        self.inputs = tuple(sorted(in_tokens))
        self.outputs = tuple(sorted(out_tokens, key=lambda d: (d == HOST, d)))
        self._boxes = {dev: pe.open_outbox(tok) for dev, tok in out_tokens.items()}
        self.router = Router(bound, pool_slots=pool_slots, batch=batch)
        self._stages = {dev: pe.take_stage(tok) for dev, tok in in_tokens.items()}
        self._waiting: dict[str, deque] = {dev: deque() for dev in self.inputs}
        self.now = T0
        self.tick = tick_ns

    # ---- ports ---------------------------------------------------------------------------
    def send(self, port, frames):
        if port not in self._waiting:
            raise KeyError(f"no input port {port!r} (input ports: {', '.join(self.inputs)})")
        for ts, f in frames:
            if len(f) > pe.MAX_FRAME:
                raise ValueError(f"a {len(f)}-byte frame does not fit a packet slot "
                                 f"({pe.MAX_FRAME} bytes at most)")
        self._waiting[port].extend(frames)

    def receive(self, port):
        if port not in self._boxes:
            raise KeyError(f"no output port {port!r} (output ports: {', '.join(self.outputs)})")
        box = self._boxes[port]
        new, box.records = box.records, []
        return new

    def waiting(self) -> int:
        """Frames sent but not yet taken in by the configuration."""
        return sum(len(q) for q in self._waiting.values()) + sum(
            pe.pending(st) for st in self._stages.values())

    def _refill(self) -> None:
        for dev, q in self._waiting.items():
            if q and pe.pending(self._stages[dev]) == 0:
                chunk = [q.popleft() for _ in range(min(len(q), pe.FRAMES))]
                k = pe.stage(self._stages[dev], chunk)
                for item in reversed(chunk[k:]):
                    q.appendleft(item)

    # ---- time ----------------------------------------------------------------------------
    def step(self, rounds: int = 1) -> int:
        """Rounds on the simulated clock; packets moved."""
        moved = 0
        for _ in range(rounds):
            self._refill()
            self.now += self.tick
            moved += self.router.step(now_ns=self.now)
        return moved

    def settle(self, idle_rounds: int = 50) -> None:
        idle = 0
        while idle < idle_rounds:
            idle = 0 if self.step() else idle + 1

    def advance(self, seconds: float) -> None:
        self.step(round(seconds * 1e9 / self.tick))

    # ---- control -------------------------------------------------------------------------
    def read(self, element, handler):
        return self.router.read(element, handler)

    def write(self, element, handler, value=""):
        self.router.write(element, handler, value)

    def account(self):
        return self.router.account()

    def close(self):
        self.router.close()
