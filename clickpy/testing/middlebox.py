"""A configuration under test: send frames into its ports, verify what comes out.

    mb = open_middlebox("router")                       # configs/router.click, in memory
    mb.send("eth0", simple_udp_packet(ip_dst="10.0.2.2"))
    mb.verify_packet(masked(expected, "ttl"), "eth1")
    mb.verify_no_other_packets()
    assert mb.account().balanced

Sending processes the frames to the end before returning (the configuration
runs until it is quiet: in memory mode for a number of idle rounds, on a real
wire until no frame moved for a short while), so a reply can be built from what came out, and
element state (ARP tables, flows, learned addresses) carries over from one
send to the next: it is one run.  What arrives on each output port waits in
that port's queue; verify_packet takes the first packet that matches from
it, and verify_no_other_packets fails on whatever no verification took.

The harness calls of the project's own tests live here too: feed() returns
what one batch of frames caused, run() sends on every port at once,
advance() lets simulated time pass, records()/sent() give everything a port
sent, behaves_like() compares two runs (a middlebox's Click and YAML forms).
"""
from __future__ import annotations

import re
from collections import deque

from scapy.packet import Packet

from clickpy.testing.backend import MODES, Backend, ModeUnavailable, unavailable
from clickpy.testing.config import describe, load
from clickpy.testing.compare import diff, summary
from clickpy.testing.dissect import dissect
from clickpy.testing.mask import Mask

IDLE_ROUNDS = 50        # rounds that move nothing before a send counts as processed
SHOWN = 3               # packets a failure message compares in full


class VerificationError(AssertionError):
    """A verification failed; the message compares expected and arrived packets."""


def _frames(packets) -> list[bytes]:
    if isinstance(packets, (bytes, bytearray, Packet)):
        packets = [packets]
    return [bytes(p) for p in packets]


class Middlebox:
    def __init__(self, backend: Backend, name: str = "config"):
        self.backend, self.name = backend, name
        self.inputs, self.outputs = backend.inputs, backend.outputs
        self._log: dict[str, list[tuple[int, bytes]]] = {dev: [] for dev in self.outputs}
        self._queue: dict[str, deque] = {dev: deque() for dev in self.outputs}
        self._latest = getattr(backend, "now", 0)

    def __enter__(self) -> "Middlebox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.backend.close()

    @property
    def mode(self) -> str:
        return self.backend.mode

    @property
    def now(self) -> int:
        return self.backend.now

    # ---- moving packets ----------------------------------------------------------------------
    def _hand(self, port: str, packets) -> None:
        now = getattr(self.backend, "now", 0)
        frames = _frames(packets)
        self.backend.send(port, [(now + 1000 * k, f) for k, f in enumerate(frames)])
        self._latest = max(self._latest, now + 1000 * len(frames))

    def _collect(self, keep: bool) -> dict[str, list[tuple[int, bytes]]]:
        new = {}
        for dev in self.outputs:
            new[dev] = self.backend.receive(dev)
            self._log[dev] += new[dev]
            if keep:
                self._queue[dev].extend(new[dev])
        return new

    def _handed(self, new) -> dict[str, list]:
        return {dev: [dissect(f) for _, f in records] for dev, records in new.items()}

    def send(self, port: str, packets, count: int = 1, idle_rounds: int = IDLE_ROUNDS) -> None:
        """Frames (scapy packets or bytes; one or a list, `count` times) arriving on `port`,
        processed to the end; what comes out waits in the output ports' queues."""
        self._hand(port, _frames(packets) * count)
        self.backend.settle(idle_rounds)
        self._collect(keep=True)

    def feed(self, port: str, frames, idle_rounds: int = IDLE_ROUNDS) -> dict[str, list]:
        """Frames arriving on one port, processed before anything else; what each output
        port sent meanwhile ({"eth1": [scapy packets], "host": [...]}).

        These packets count as seen: verify_no_other_packets does not look at them.
        idle_rounds=0 only hands the frames over; advance() then runs the clock.
        """
        self._hand(port, frames)
        if idle_rounds:
            self.backend.settle(idle_rounds)
        return self._handed(self._collect(keep=False))

    def run(self, idle_rounds: int = IDLE_ROUNDS, **frames) -> dict[str, list]:
        """Frames on every port at once (run(eth0=[...], eth1=[...])); what each port sent.
        The ports' frames interleave as the configuration's tasks take them."""
        for port in self.inputs:
            self._hand(port, frames.get(port, []))
        self.backend.settle(idle_rounds)
        return self._handed(self._collect(keep=False))

    def advance(self, seconds: float) -> dict[str, list]:
        """Let time pass; what each port sent meanwhile."""
        self.backend.advance(seconds)
        return self._handed(self._collect(keep=False))

    def step(self, rounds: int = 1) -> int:
        """Memory mode: rounds of the compiled loop on the simulated clock; packets moved."""
        moved = self.backend.step(rounds)
        self._collect(keep=True)
        return moved

    def settle(self, idle_rounds: int = IDLE_ROUNDS) -> None:
        self.backend.settle(idle_rounds)
        self._collect(keep=True)

    # ---- verbs -------------------------------------------------------------------------------
    def _port(self, port: str) -> deque:
        if port in self.backend.missing:
            raise ModeUnavailable(f"{self.mode} mode: {self.name} has no port {port!r}: "
                                  f"{self.backend.missing[port]}")
        if port not in self._queue:
            raise KeyError(f"{self.name} has no output port {port!r} "
                           f"(output ports: {', '.join(self.outputs) or 'none'})")
        return self._queue[port]

    def _take(self, mask: Mask, port: str):
        q = self._port(port)
        for i, (_, data) in enumerate(q):
            if mask.pkt_match(data):
                del q[i]
                return dissect(data)
        return None

    def _failure(self, headline: str, mask: Mask, ports) -> VerificationError:
        lines = [headline, f"expected: {summary(mask.exp_bytes)}"]
        for port in ports:
            q = self._queue[port]
            if not q:
                lines.append(f"arrived on {port}: nothing (not yet verified)")
                continue
            lines.append(f"arrived on {port}: {len(q)} packet(s) not yet verified; "
                         f"field by field against the expected one:")
            for k, (_, data) in enumerate(list(q)[:SHOWN]):
                lines.append(f" [{k}] {summary(data)}")
                lines.append(diff(mask, data, mask))
            if len(q) > SHOWN:
                lines.append(f" ... and {len(q) - SHOWN} more")
        elsewhere = [(p, q) for p, q in self._queue.items() if p not in ports and q]
        for port, q in elsewhere:
            lines.append(f"meanwhile on {port}: " + "; ".join(summary(d) for _, d in list(q)[:SHOWN])
                         + (f"; ... {len(q) - SHOWN} more" if len(q) > SHOWN else ""))
        return VerificationError("\n".join(lines))

    @staticmethod
    def _mask(pkt) -> Mask:
        return pkt if isinstance(pkt, Mask) else Mask(pkt)

    def verify_packet(self, pkt, port: str):
        """The packet (or Mask) arrived on `port`: the first match is taken and returned."""
        mask = self._mask(pkt)
        got = self._take(mask, port)
        if got is None:
            raise self._failure(f"{self.name}: expected packet did not arrive on {port}",
                                mask, [port])
        return got

    def verify_packets(self, pkt, ports) -> None:
        """The packet arrived on each of `ports`, and nothing else arrived anywhere."""
        for port in ports:
            self.verify_packet(pkt, port)
        self.verify_no_other_packets()

    def verify_packet_any_port(self, pkt, ports) -> int:
        """The packet arrived on one of `ports` (its index is returned), and nothing else."""
        mask = self._mask(pkt)
        for k, port in enumerate(ports):
            if self._take(mask, port) is not None:
                self.verify_no_other_packets()
                return k
        raise self._failure(f"{self.name}: expected packet arrived on none of "
                            f"{', '.join(ports)}", mask, list(ports))

    def verify_no_packet(self, pkt, port: str) -> None:
        """No packet matching `pkt` arrived on `port` (nothing is taken)."""
        mask = self._mask(pkt)
        hits = [data for _, data in self._port(port) if mask.pkt_match(data)]
        if hits:
            raise VerificationError(f"{self.name}: {len(hits)} packet(s) arrived on {port} that "
                                    f"should not have:\n" + "\n".join(
                                        f"  {summary(d)}" for d in hits[:SHOWN]) + "\n"
                                    + dissect(hits[0]).show2(dump=True))

    def verify_no_other_packets(self) -> None:
        """Every packet that arrived was taken by a verification."""
        left = {port: list(q) for port, q in self._queue.items() if q}
        if left:
            lines = [f"{self.name}: packets arrived that no verification expected:"]
            for port, records in left.items():
                lines += [f"  on {port}: {summary(d)}" for _, d in records[:10]]
                if len(records) > 10:
                    lines.append(f"  on {port}: ... and {len(records) - 10} more")
            first_port, records = next(iter(left.items()))
            lines.append(f"the first, on {first_port}:")
            lines.append(dissect(records[0][1]).show2(dump=True).rstrip())
            raise VerificationError("\n".join(lines))

    def count_matched_packets(self, pkt, port: str) -> int:
        """How many packets matching `pkt` arrived on `port` (they are taken)."""
        mask = self._mask(pkt)
        q = self._port(port)
        kept = deque(r for r in q if not mask.pkt_match(r[1]))
        n = len(q) - len(kept)
        self._queue[port] = kept
        return n

    def received(self, port: str) -> list:
        """The packets on `port` no verification has taken yet (left in the queue)."""
        return [dissect(d) for _, d in self._port(port)]

    def flush(self) -> None:
        """Forget the packets no verification took."""
        for q in self._queue.values():
            q.clear()

    # ---- handlers and the account -------------------------------------------------------------
    def read(self, element: str, handler: str) -> str:
        return self.backend.read(element, handler)

    def write(self, element: str, handler: str, value: str = "") -> None:
        self.backend.write(element, handler, value)

    def account(self):
        return self.backend.account()

    def drops(self, reason: str, element: str | None = None) -> int:
        """Packets the account shows dropped for `reason` (at elements named `element`,
        or of that class: anonymous elements are named CLASS@N)."""
        return sum(n for (name, why), n in self.account().drops.items()
                   if why == reason and (element is None or name == element
                                         or name.startswith(element + "@")))

    # ---- everything a port sent ---------------------------------------------------------------
    def sent(self, port: str) -> list:
        """Everything the port sent so far, as scapy packets."""
        return [dissect(d) for _, d in self._log[port]]

    def records(self, port: str) -> list[tuple]:
        """Everything the port sent so far, as (timestamp ns, length, bytes).  Packets the
        configuration made without a timestamp (ARPResponder's replies) have timestamp 0."""
        return [(ts, len(d), d) for ts, d in self._log[port]]

    def account_summary(self) -> dict:
        """The account with anonymous element names reduced to their class (CheckIPHeader@2 ->
        CheckIPHeader), so that the Click and YAML forms of a middlebox compare."""
        a = self.account()
        strip = lambda name: re.sub(r"@\d+$", "", name)  # noqa: E731
        out: dict = {"created": a.created, "held": a.held, "not_created": a.not_created}
        for kind, table in (("from", a.from_sources), ("forwarded", a.forwarded)):
            for name, n in table.items():
                out[(kind, strip(name))] = out.get((kind, strip(name)), 0) + n
        for (name, reason), n in a.drops.items():
            key = ("dropped", strip(name), reason)
            out[key] = out.get(key, 0) + n
        return out

    def behaves_like(self, other: "Middlebox") -> None:
        """Assert another run (the YAML twin's, say) sent the same packets, byte for byte and
        with the same timestamps, and accounted for them alike."""
        for port in self.outputs:
            assert self.records(port) == other.records(port), port
        assert self.account_summary() == other.account_summary()
        assert self.account().balanced and other.account().balanced


def open_middlebox(config, mode: str = "memory", yaml: bool = False, tick_ns: int | None = None,
                   batch: int = 256, pool_slots: int = 8192, **definitions: str) -> Middlebox:
    """A configuration ready for packets: a shipped name ("router"), a .click/.yaml path,
    or configuration text; `definitions` override its define($NAME ...)s.

    mode "memory" runs the compiled graph in this process on simulated time (tick_ns
    a round); "network" runs it on veth pairs in namespaces it makes
    (clickpy.testing.network); "image" boots its unikernel image on taps
    (clickpy.testing.image).  Where the machine cannot run the mode, ModeUnavailable
    says what is missing.  tick_ns, batch and pool_slots are memory and network mode
    settings (an image has its manifest's)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (modes: {', '.join(MODES)})")
    reason = unavailable(mode)
    if reason:
        raise ModeUnavailable(reason)
    graph = load(config, yaml, **definitions)
    if mode == "network":
        from clickpy.testing.network import NetworkBackend
        backend: Backend = NetworkBackend(graph, batch=batch, pool_slots=pool_slots)
    elif mode == "image":
        from clickpy.testing.image import ImageBackend
        backend = ImageBackend(graph, config, yaml, definitions)
    else:
        from clickpy.testing.memory import TICK, MemoryBackend
        backend = MemoryBackend(graph, tick_ns=tick_ns or TICK, batch=batch,
                                pool_slots=pool_slots)
    return Middlebox(backend, describe(config, yaml))
