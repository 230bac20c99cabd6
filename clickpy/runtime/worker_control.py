"""ControlSocket under `clickpy run --workers`: the parent answers the clients by asking every
worker.

Each worker holds its own copy of the element state, so one worker cannot
answer for the router.  The parent listens on the configuration's
ControlSocket addresses instead (with the same HostSocket the element uses);
each worker's first ControlSocket element serves Click's ControlSocket
protocol on its end of a socketpair (a channel) and listens on nothing.  A
client's read is sent to every worker and the values combined as `-h`
combines them at the end of a run (workers.handler_text: counters add up);
a write goes to every worker, and `stop` stops them all.  The router's own
handlers (list, config, ...) are answered from the configuration, and a
ControlSocket's own (port, filename) by the parent, which holds the sockets.
"""
from __future__ import annotations

import contextlib
import socket

import networkx as nx
import numpy as np

from clickpy.graph import config_order
from clickpy.runtime.control_socket import find_handler, root_reader_for
from clickpy.runtime.router import HandlerError

ANSWER_TIMEOUT = 10.0          # a worker answers after its current burst (20 ms at most)

_channel: socket.socket | None = None
_in_worker = False


def enter_worker(channel: socket.socket | None) -> None:
    """In a worker process, before its Router is built: ControlSocket serves `channel`."""
    global _channel, _in_worker
    _channel, _in_worker = channel, True


@contextlib.contextmanager
def not_listening():
    """ControlSocket elements configured inside listen on nothing: the parent's Router that
    only compiles must not open (and close) the sockets the parent listens on later."""
    global _in_worker
    before, _in_worker = _in_worker, True
    try:
        yield
    finally:
        _in_worker = before


def take_channel() -> tuple[bool, socket.socket | None]:
    """(whether this is a worker, the channel for the first ControlSocket that asks)."""
    global _channel
    channel, _channel = _channel, None
    return _in_worker, channel


def has_control_sockets(graph: nx.MultiDiGraph) -> bool:
    return any(d.get("class_name") == "ControlSocket" for _, d in graph.nodes(data=True))


class HandlerFailed(HandlerError):
    """A worker refused a request, or did not answer; message for the client."""


class Link:
    """The parent's end of one worker's channel: Click's protocol, as a client."""

    def __init__(self, sock: socket.socket, worker: int) -> None:
        self.sock, self.worker = sock, worker
        self.sock.settimeout(ANSWER_TIMEOUT)
        self.buf = b""
        self.greeted = False

    def ask(self, command: str, data: str | None = None) -> tuple[int, str, str | None]:
        """Send `command NAME n` with data (READDATA/WRITEDATA) or a bare command: (code,
        the message lines joined, the DATA of a successful read or None)."""
        try:
            if not self.greeted:
                self._line()
                self.greeted = True
            body = b"" if data is None else data.encode("utf-8")
            self.sock.sendall(command.encode("utf-8") + (b" %d" % len(body) if data is not None
                                                         else b"") + b"\r\n" + body)
            messages = []
            while True:
                line = self._line()
                messages.append(line[4:])
                if line[3:4] != "-":
                    break
            code = int(line[:3])
            if code // 100 != 2 or not command.upper().startswith("READ"):
                return code, "\n".join(messages), None
            size = int(self._line().split()[1])
            return code, "\n".join(messages), self._bytes(size).decode("utf-8", "replace")
        except (OSError, ValueError, IndexError) as e:
            raise HandlerFailed(f"worker {self.worker} did not answer ({e})") from None

    def _line(self) -> str:
        while b"\r\n" not in self.buf:
            self._more()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line.decode("utf-8", "replace")

    def _bytes(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _more(self) -> None:
        got = self.sock.recv(65536)
        if not got:
            raise OSError("the worker has ended")
        self.buf += got


class WorkersHandlers:
    """find/read/write/stop (as control_socket.RouterHandlers) over every worker."""

    def __init__(self, graph: nx.MultiDiGraph, links: list[Link], config_text: str | None,
                 own: dict[str, tuple]) -> None:
        from clickpy.runtime.workers import handler_text
        self.links, self.own, self.graph = links, own, graph
        self.names = config_order(graph)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.classes = [graph.nodes[n]["element"] for n in self.names]
        self._combine = handler_text
        self._root = root_reader_for(None, graph, config_text)

    def find(self, full: str) -> tuple[str, str, bool, bool]:
        return find_handler(full, self.names, self.index, self.classes, graph=self.graph)

    def read(self, element: str, handler: str, param: str) -> str:
        if not element:
            return self._root(element, handler, param or None)
        if element in self.own:         # the parent's own sockets
            from elements.standard.controlsocket import ControlSocket
            values, ctl = self.own[element]
            return ControlSocket.read_handler(handler, values, (ctl,))
        name = f"{element}.{handler}"
        values = []
        for link in self.links:
            code, message, data = link.ask(f"READDATA {name}", param)
            if data is None:
                raise HandlerFailed(f"worker {link.worker}: {message}")
            values.append(data)
        return self._combine(name, values)

    def write(self, element: str, handler: str, value: str) -> None:
        if not element:
            return self.stop()
        failed = []
        for link in self.links:
            code, message, _ = link.ask(f"WRITEDATA {element}.{handler}", value)
            if code // 100 != 2:
                failed.append(f"worker {link.worker}: {message}")
        if failed:
            raise HandlerFailed("\n".join(failed))

    def stop(self) -> None:
        for link in self.links:
            try:
                link.ask("WRITE stop")
            except HandlerFailed:       # that worker has ended already
                pass


class ParentSockets:
    """The parent's ControlSockets: one HostSocket per ControlSocket of the configuration."""

    def __init__(self, graph: nx.MultiDiGraph, channels: list[socket.socket],
                 config_text: str | None) -> None:
        from elements.standard.controlsocket import NCTL, RETRIES_LEFT, HostSocket
        self.sockets, own = [], {}
        for n in config_order(graph):
            d = graph.nodes[n]
            if d.get("class_name") != "ControlSocket":
                continue
            values = d.get("values") or {}
            host, ctl = HostSocket(values), np.zeros(NCTL, dtype=np.int64)
            ctl[RETRIES_LEFT] = values.get("RETRIES") or 0
            try:
                host.open(ctl)
            except OSError as e:
                if ctl[RETRIES_LEFT] <= 0:
                    self.close()
                    raise OSError(f"{n} :: ControlSocket: {e.strerror or e}") from None
                host.failed(ctl, e)         # serve() tries again, as the element does
            self.sockets.append((host, ctl))
            own[n] = (values, ctl)
        links = [Link(c, i) for i, c in enumerate(channels)]
        self.handlers = WorkersHandlers(graph, links, config_text, own)

    def fds(self) -> list[int]:
        return [fd for host, _ in self.sockets for fd in host.fds()]

    def serve(self) -> None:
        for host, ctl in self.sockets:
            host.serve(ctl, lambda: self.handlers)

    def close(self) -> None:
        for host, _ in self.sockets:
            host.close()
        self.sockets = []


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(the parent's end, the worker's end) of a worker's channel."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
