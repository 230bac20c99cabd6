"""The pure-Python baselines' graphs, built with scapy's pipetool and run by its PipeEngine.

Every element becomes a Pipe; an element's output 0 is the pipe's low
channel (`>`), output 1 its high channel (`>>`); elements with more outputs
send (port, packet) to one small demultiplexing pipe per port, since a
pipetool connection reaches every pipe plugged into it.  One CLIFeeder
source carries (device, frame) pairs in arrival order; a device pipe hands
each to its device's first element.  Sinks count.  The element functions
are the pure-Python ones, so the difference between the two baselines is
what pipetool's engine costs.

Graphs with pull paths (the shaper: queues drained by a token bucket and by
the devices) keep their queues in the element pipes that push into them; the
pull side (the graph's tasks: token bucket, device drains) runs in a
TaskPipe, a pipetool TriggerSink.  The feeder sends a TICK after every 128
frames and at the end; the device pipe passes it on as a trigger, so the
tasks run at the same points of the stream as in the pure-Python graph
(after every batch), on the engine's thread, after the frames before them.
"""
from __future__ import annotations

import threading

from scapy.pipetool import CLIFeeder, Pipe, PipeEngine, Sink, TriggerSink

from perf.baselines.pure_python.graph import HEADROOM, Graph, Pkt

END, TICK = object(), object()
BATCH = 128             # frames between two runs of the tasks, as Graph.run

class ElementPipe(Pipe):
    def __init__(self, fn, nout: int, name: str):
        Pipe.__init__(self, name=name)
        self.fn, self.wide = fn, nout > 2

    def _out(self, port, p):
        if self.wide:
            self._send((port, p))
        elif port == 0:
            self._send(p)
        else:
            self._high_send(p)

    def push(self, msg):
        r = self.fn(msg)
        if r.__class__ is int:
            if r >= 0:
                self._out(r, msg)
            return
        for port in r[1:]:
            self._out(port, msg.copy())
        self._out(r[0], msg)

    high_push = push


class PortPipe(Pipe):
    """Passes the packets of one output port of a wide element."""

    def __init__(self, port: int, name: str):
        Pipe.__init__(self, name=name)
        self.port = port

    def push(self, msg):
        if msg[0] == self.port:
            self._send(msg[1])


class CountSink(Sink):
    def __init__(self, graph: Graph, name: str):
        Sink.__init__(self, name=name)
        self.graph, self.key = graph, name

    def push(self, msg):
        self.graph.counts[self.key] += 1

    high_push = push


class TaskPipe(TriggerSink):
    """The graph's pull side: on each trigger, its tasks run (Graph.run_tasks)."""

    def __init__(self, graph: Graph):
        TriggerSink.__init__(self, name="tasks")
        self.graph = graph

    def on_trigger(self, msg):
        self.graph.run_tasks()


class DevicePipe(Pipe):
    """(device, frame) from the feeder -> a packet on the device's own port pipe;
    TICK and END trigger the tasks."""

    def __init__(self, devices: list[str], done: threading.Event):
        Pipe.__init__(self, name="devices")
        self.index = {d: k for k, d in enumerate(devices)}
        self.done = done

    def push(self, msg):
        if msg is TICK:
            self._trigger()
            return
        if msg is END:
            self._trigger()
            self.done.set()
            return
        dev, frame = msg
        data = bytearray(HEADROOM)
        data += frame
        self._send((self.index[dev], Pkt(data, dev, HEADROOM)))


def build(graph: Graph):
    """(feeder, engine, done event) for the graph."""
    pipes = {}
    for name, fn in graph.fns.items():
        pipes[name] = CountSink(graph, name) if fn is None else \
            ElementPipe(fn, len(graph.next[name]), name)
    for name, targets in graph.next.items():
        src = pipes[name]
        for port, dst in enumerate(targets):
            if dst is None:
                continue
            if len(targets) > 2:
                demux = PortPipe(port, f"{name}[{port}]")
                src > demux
                demux > pipes[dst]
            elif port == 0:
                src > pipes[dst]
            else:
                src >> pipes[dst]
    done = threading.Event()
    devices = sorted(graph.entry)
    feeder = CLIFeeder()
    dev = DevicePipe(devices, done)
    feeder > dev
    if graph.tasks:
        dev ^ TaskPipe(graph)
    for k, d in enumerate(devices):
        demux = PortPipe(k, f"dev[{d}]")
        dev > demux
        demux > pipes[graph.entry[d]]
    return feeder, PipeEngine(feeder), done


def run(graph: Graph, stream) -> float:
    """Run the (device, frame) stream through pipetool; seconds from first send to last packet."""
    import time
    feeder, engine, done = build(graph)
    engine.start()
    try:
        ticks = bool(graph.tasks)
        t = time.perf_counter()
        for k, item in enumerate(stream, 1):
            feeder.send(item)
            if ticks and k % BATCH == 0:
                feeder.send(TICK)
        feeder.send(END)
        if not done.wait(600):
            raise RuntimeError("pipetool did not finish in 10 minutes")
        return time.perf_counter() - t
    finally:
        engine.stop()
