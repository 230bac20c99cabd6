"""ControlSocket: other programs call the router's handlers over a socket (user-level Click)."""
import os
import socket
import stat
import sys
import time

import numpy as np

from clickpy.args import (Arg, ArgError, ArgIssue, Bool, Choice, Integer, ParseContext, Raw,
                          Word)
from clickpy.argtypes.filenames import Filename
from clickpy.argtypes.ip_names import Port
from clickpy.element import Element, Handler
from clickpy.rings import open_rings
from clickpy.runtime import worker_control
from clickpy.runtime.control_socket import ControlServer, RouterHandlers, verbose_printer

PORT, RETRIES_LEFT = 0, 1       # control words: the bound TCP port; binds still to try
NCTL = 2
SUN_PATH_MAX = 108              # sizeof(sockaddr_un.sun_path)
NEARBY_PORTS = 10               # PORT N+: N, then up to this many ports after it


class ControlSocket(Element):
    """Opens a control socket for other programs.

    Listens on TCP port PORTNUMBER (`ControlSocket(TCP, 7777)`) or on the
    UNIX-domain socket FILENAME (`ControlSocket(UNIX, /tmp/clicksocket)`)
    and answers Click's ControlSocket protocol, version 1.3: READ, WRITE,
    READDATA, WRITEDATA, READUNTIL, WRITEUNTIL, CHECKREAD, CHECKWRITE, HELP
    and QUIT, with Click's reply codes (see clickpy.runtime.control_socket),
    so `telnet localhost 7777` and Click's own tools work.  A port written
    N+ takes the first free port from N on (the `port` handler says which).
    A socket file left at FILENAME is replaced (any other file is kept, and
    the socket refused); the file goes when the router ends.
    READONLY refuses writes; LOCALHOST accepts TCP connections from
    127.0.0.1 only; VERBOSE prints each connection opened and closed.  With
    RETRIES N a socket that cannot be opened is tried again once a second,
    N times, before the router stops (RETRY_WARNINGS false: say so only at
    the end).  Requests are answered between bursts of the data path, within
    about 20 ms.  Under `clickpy run --workers N` the parent process
    listens and asks every worker: a read gives their values combined (a
    counter, their sum), a write goes to each (clickpy.runtime.worker_control).
    PROXY is not available (there is no kernel driver to speak to).
    `clickpy run -p PORT` and `-u FILE` add one, as Click's driver does.
    """

    port_count = "0/0"
    processing = "a/a"
    info_only = True
    source = False
    args = (
        Arg("TYPE", Choice("tcp", "unix", name="socket type"), required=True, positional=True,
            doc="TCP or UNIX"),
        Arg("PORT", Word(), positional=True,
            doc="TCP: the port (a number, N+ for the first free one from N); UNIX: FILENAME"),
        Arg("FILENAME", Filename(), doc="UNIX: the socket's file name"),
        Arg("READONLY", Bool(), default=False, doc="refuse write handlers"),
        Arg("VERBOSE", Bool(), default=False, doc="print connections opened and closed"),
        Arg("LOCALHOST", Bool(), default=False, doc="TCP: accept connections from 127.0.0.1 only"),
        Arg("RETRIES", Integer(), default=0,
            doc="times to retry opening the socket, a second apart"),
        Arg("RETRY_WARNINGS", Bool(), default=True, doc="warn at every failed retry"),
        Arg("PROXY", Raw(), doc="not available"),
    )
    handlers = (
        Handler("port", doc="TCP: the port listened on"),
        Handler("filename", doc="UNIX: the socket's file name"),
    )

    # ---- configuration ---------------------------------------------------------------
    @classmethod
    def address(cls, values) -> tuple[str, str]:
        """("tcp", port text) or ("unix", file name)."""
        if values.get("TYPE") == "unix":
            return "unix", values.get("FILENAME") or values.get("PORT") or ""
        return "tcp", (values.get("PORT") or "").strip()

    @classmethod
    def check_config(cls, values, ctx):
        kind, where = cls.address(values)
        if values.get("PROXY") is not None:
            return [ArgIssue("PROXY is not available: clickpy has no kernel driver to proxy",
                             None, "remove PROXY; handlers are this router's own")]
        if (values.get("RETRIES") or 0) < 0:
            return [ArgIssue("RETRIES must be 0 or more", None, None)]
        if kind == "unix":
            if not where:
                return [ArgIssue("ControlSocket(UNIX, FILENAME) needs a file name", None,
                                 "for example ControlSocket(UNIX, /tmp/clicksocket)")]
            if len(os.fsencode(where)) >= SUN_PATH_MAX:
                return [ArgIssue(f"socket file name too long ({len(os.fsencode(where))} bytes)",
                                 None, f"a UNIX socket's path takes at most {SUN_PATH_MAX - 1}")]
            return []
        try:
            parse_port(where, ctx)
        except ArgError as e:
            return [ArgIssue(f"PORT requires a TCP port: {e}", None,
                             "a number from 0 to 65535, a service name, or N+ for the first "
                             "free port from N")]
        return []

    # ---- state: the listening socket ---------------------------------------------------
    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Open and bind the socket now (Click's initialize); with RETRIES, a socket that
        cannot be opened yet is tried again from host_serve.  In a --workers worker the
        parent listens instead, and asks the worker through a channel (worker_control)."""
        c = np.zeros(NCTL, dtype=np.int64)
        c[RETRIES_LEFT] = values.get("RETRIES") or 0
        in_worker, channel = worker_control.take_channel()
        server = HostSocket(values, channel=channel, listen=not in_worker)
        open_rings.remember(c, server, HostSocket.close)
        if in_worker:
            return (c,)
        try:
            server.open(c)
        except OSError as e:
            if c[RETRIES_LEFT] <= 0:
                open_rings.close(c)
                raise OSError(f"{e.strerror or e}") from None
            server.failed(c, e)
        return (c,)

    @classmethod
    def host_serve(cls, values, st, router):
        server = open_rings.get(st[0])
        if server is not None:
            server.serve(st[0], lambda: RouterHandlers(router))

    @classmethod
    def wait_fds(cls, values, st):
        server = open_rings.get(st[0])
        return tuple(server.fds()) if server is not None else ()

    @classmethod
    def wake_after(cls, values, st):
        server = open_rings.get(st[0])
        return None if server is None else server.wake_after()

    @classmethod
    def host_close(cls, values, st, pool):
        open_rings.close(st[0])

    @classmethod
    def read_handler(cls, name, values, st):
        kind, where = cls.address(values)
        if name == "port" and kind == "tcp":
            return str(int(st[0][PORT]))
        if name == "filename" and kind == "unix":
            return where
        raise KeyError(name)


def parse_port(text: str, ctx=None) -> tuple[int, bool]:
    """(port, whether a nearby free one will do): "7777", "www", or "41930+"."""
    if text.endswith("+"):
        n = Integer(name="port").parse(text[:-1], ctx or ParseContext())
        if not 0 < n < 65536:
            raise ArgError(f"port {n} is out of range", None)
        return n, True
    return Port("tcp").parse(text, ctx or ParseContext()), False


def _remove_stale_socket(path: str) -> None:
    """A socket file left at path is replaced, as in Click (which removes whatever file is
    there: here, a socket only; another file makes bind fail, and is kept)."""
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass


class HostSocket:
    """A ControlSocket's host side: the socket it listens on, then a ControlServer there.

    In a --workers worker (listen False) it listens on nothing: it serves the
    channel the parent asks through, if it was given one (the first
    ControlSocket of the configuration is), else nothing.  The parent uses
    HostSocket too, to listen for the clients (clickpy.runtime.worker_control).
    """

    def __init__(self, values, channel: socket.socket | None = None,
                 listen: bool = True) -> None:
        self.values = values
        self.kind, self.where = ControlSocket.address(values)
        self.label = f"ControlSocket({self.kind.upper()}, {self.where})"
        self.channel, self.listen = channel, listen
        self.server: ControlServer | None = None
        self.listener: socket.socket | None = None
        self.bound_file = False         # a UNIX socket file this element created
        self.retry_at = 0.0

    def open(self, c) -> None:
        """Bind and listen; OSError if the socket cannot be opened."""
        if self.kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                _remove_stale_socket(self.where)
                s.bind(self.where)
                self.bound_file = True
            except OSError as e:
                s.close()
                raise OSError(e.errno, f"bind {self.where}: {e.strerror}") from None
        else:
            port, nearby = parse_port(self.where)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            host = "127.0.0.1" if self.values.get("LOCALHOST") else ""
            for k in range(NEARBY_PORTS + 1 if nearby else 1):
                try:
                    s.bind((host, port + k))
                    break
                except OSError as e:
                    if k == NEARBY_PORTS or not nearby or port + k >= 65535:
                        s.close()
                        raise OSError(e.errno, f"bind TCP port {port + k}: {e.strerror}") \
                            from None
            c[PORT] = s.getsockname()[1]
        s.listen(8)
        s.set_inheritable(False)
        self.listener = s

    def failed(self, c, e: OSError) -> None:
        """A bind that failed with retries left: warn, and try again in a second."""
        if self.values.get("RETRY_WARNINGS"):
            left = int(c[RETRIES_LEFT])
            print(f"{self.label}: {e.strerror or e} ({left} {'try' if left == 1 else 'tries'} "
                  "left)", file=sys.stderr, flush=True)
        self.retry_at = time.monotonic() + 1.0

    def serve(self, c, make_handlers) -> None:
        """Answer what the clients sent; make_handlers() gives the handlers to call (once)."""
        if self.server is None:
            if self.channel is not None:
                self.server = ControlServer(None, make_handlers())
                self.server.adopt(self.channel)
                self.channel = None
            elif self.listener is not None:
                say = verbose_printer(self.label) if self.values.get("VERBOSE") else None
                self.server = ControlServer(self.listener, make_handlers(),
                                            bool(self.values.get("READONLY")), say)
            else:
                self._retry(c, make_handlers)
                return
        self.server.serve()

    def _retry(self, c, make_handlers) -> None:
        """RETRIES: open the socket once a second; out of tries, stop the router (Click)."""
        if not self.listen or time.monotonic() < self.retry_at:
            return
        c[RETRIES_LEFT] -= 1
        try:
            self.open(c)
        except OSError as e:
            if c[RETRIES_LEFT] > 0:
                self.failed(c, e)
            else:
                print(f"{self.label}: {e.strerror or e}", file=sys.stderr, flush=True)
                self.retry_at = float("inf")
                make_handlers().stop()

    def fds(self) -> list[int]:
        if self.server is not None:
            return self.server.fds()
        return [s.fileno() for s in (self.listener, self.channel) if s is not None]

    def wake_after(self) -> float | None:
        if self.listen and self.listener is None and self.server is None:  # retrying
            return max(0.0, self.retry_at - time.monotonic()) if self.retry_at < 1e300 else None
        if self.server is not None and self.server.sending:
            return 0.01                         # a client slow to read its replies
        return None

    def close(self) -> None:
        if self.server is not None:
            self.server.close()             # its listener and connections
        else:
            for s in (self.listener, self.channel):
                if s is not None:
                    s.close()
        self.server = self.listener = self.channel = None
        if self.bound_file:
            self.bound_file = False
            try:
                os.unlink(self.where)
            except OSError:
                pass
