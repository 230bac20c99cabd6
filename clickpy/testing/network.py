"""Network mode: the configuration on veth pairs in network namespaces made for the test.

Every device the configuration names (FromDevice/PollDevice/ToDevice) becomes
the middlebox end of a veth pair inside a namespace of its own; the other
ends, under the same names, sit in one peer namespace where the test's raw
sockets send and capture frames.  Both namespaces have IPv6 off and no
addresses, so their kernels add no frames of their own (no router
solicitations, MLD or ARP): what the test captures is what the configuration
sent.  Names are fresh for every run (clickpy.netns), and close() removes
the namespaces, their veths going with them.

The configuration runs in this process: its Router is built (devices
opened) by a thread inside the middlebox namespace, and the test's own thread
then drives its rounds on the real clock.  That keeps handlers and the packet
account exact, as in memory mode: a handler runs between two rounds on the
very state the compiled code uses, with no control channel in between.  A
`clickpy run` child would only reach its handlers through a copy of that
machinery.  ToHost has no host stack to reach from a test, so it stays a test
port, "host", as in memory mode.

Nothing here has rounds of simulated time: a send counts as processed once
neither the configuration nor the wire has moved a frame for QUIET seconds
(at most LIMIT), and advance(seconds) lets real seconds pass.
"""
from __future__ import annotations

import itertools
import logging
import os
import time

import networkx as nx

from clickpy import netns
from clickpy.runtime.bind import HOST, devices
from clickpy.testing import port_elements as pe
from clickpy.testing.backend import Backend
from clickpy.testing.memory import bind_ports
from clickpy.testing.wire import Peer, call_inside, check_wire_frame, wait_quiet

log = logging.getLogger(__name__)

QUIET = 0.1        # seconds without a frame moving before a send counts as processed
LIMIT = 10.0       # seconds a settle waits at most (a configuration that never goes quiet)
MIDDLEBOX, PEERS = "m", "p"
_tokens = itertools.count(1)


def topology_spec(devs: list[str]) -> dict:
    """The middlebox namespace and the peer namespace, one veth pair per device."""
    return {"namespaces": {MIDDLEBOX: {"interfaces": {d: {} for d in devs}},
                           PEERS: {"interfaces": {d: {} for d in devs}}},
            "links": [[f"{MIDDLEBOX}:{d}", f"{PEERS}:{d}"] for d in devs]}


class NetworkBackend(Backend):
    mode = "network"

    def __init__(self, graph: nx.MultiDiGraph, batch: int = 256, pool_slots: int = 8192):
        from clickpy.runtime.router import Router
        reads, writes = devices(graph)
        self.inputs = tuple(sorted(reads))
        self.outputs = tuple(sorted(writes, key=lambda d: (d == HOST, d)))
        wires = sorted((reads | writes) - {HOST})
        self.router = None
        self.peers: dict[str, Peer] = {}
        self.topology = netns.Topology(topology_spec(wires), prefix="cpt")
        self.topology.up()
        try:
            bound, _, out_tokens = bind_ports(graph, f"net{os.getpid()}-{next(_tokens)}",
                                              only={HOST})
            self._boxes = {dev: pe.open_outbox(tok) for dev, tok in out_tokens.items()}
            for dev in wires:
                self.peers[dev] = Peer(self.topology.ns(PEERS), dev)
            self.router = call_inside(self.topology.ns(MIDDLEBOX),
                                      lambda: Router(bound, pool_slots=pool_slots, batch=batch))
            self.router.compile()
        except BaseException:
            self.close()
            raise
        log.info("network mode: %s in namespace %s, peers in %s", ", ".join(wires) or "no devices",
                 self.topology.ns(MIDDLEBOX), self.topology.ns(PEERS))

    @property
    def now(self) -> int:
        return time.time_ns()

    # ---- ports ---------------------------------------------------------------------------
    def send(self, port, frames):
        if port not in self.inputs:
            raise KeyError(f"no input port {port!r} (input ports: {', '.join(self.inputs)})")
        for _, f in frames:
            check_wire_frame(self.mode, f)
        peer = self.peers[port]
        for _, f in frames:
            try:
                peer.send(f)
            except OSError as e:
                raise ValueError(f"{port}: the veth refused a {len(f)}-byte frame: "
                                 f"{e.strerror}") from None
            self._poll()                 # keep the rings and sockets from overflowing

    def receive(self, port):
        if port not in self.outputs:
            raise KeyError(f"no output port {port!r} (output ports: {', '.join(self.outputs)})")
        if port in self._boxes:
            box = self._boxes[port]
            new, box.records = box.records, []
            return new
        return self.peers[port].take()

    # ---- time ----------------------------------------------------------------------------
    def _poll(self) -> int:
        """One round of the configuration, then collect what reached the peers."""
        moved = self.router.step()
        for peer in self.peers.values():
            moved += peer.drain()
        return moved

    def settle(self, idle_rounds: int = 0) -> None:
        """Run until nothing moved for QUIET seconds (idle_rounds: memory mode's measure)."""
        wait_quiet(self._poll, QUIET, LIMIT)

    def advance(self, seconds: float) -> None:
        """Real time: the configuration runs for `seconds`, its timers on the wall clock."""
        wait_quiet(self._poll, QUIET, LIMIT, deadline=time.monotonic() + seconds)

    # ---- control -------------------------------------------------------------------------
    def read(self, element, handler):
        return self.router.read(element, handler)

    def write(self, element, handler, value=""):
        self.router.write(element, handler, value)

    def account(self):
        return self.router.account()

    def close(self):
        try:
            if self.router is not None:
                self.router.close()
                self.router = None
        finally:
            for peer in self.peers.values():
                peer.close()
            self.peers.clear()
            self.topology.down()
