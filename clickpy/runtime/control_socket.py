"""Click's ControlSocket protocol (version 1.3): other programs call a running router's handlers.

The protocol is Click's, so its clients (telnet, Click's own tools, the
many scripts that speak it) work unchanged.  A client connects and is
greeted with "Click::ControlSocket/1.3"; each command is one line (ended by
CR, LF or CRLF), words separated by spaces, the command case-insensitive:

    READ h [params]      WRITE h [value]      (GET and SET are the same)
    READDATA h n         WRITEDATA h n        (the n bytes after the line)
    READUNTIL h [term]   WRITEUNTIL h [term]  (the lines up to one equal to term)
    CHECKREAD h          CHECKWRITE h         HELP     QUIT (or CLOSE)

Each answer is a line "CODE message" ("200 Read handler 'c.count' OK"),
and a read's answer continues with "DATA n" and the n bytes of the value.
Codes are Click's: 200 OK, 220 OK with warnings, 500 syntax, 501
unimplemented (LLRPC: there are none here), 510 no such element, 511 no
such handler, 520 handler error, 530 permission denied, 590 other errors.
A handler `h` is `element.handler`, `N.handler` for the Nth element (from
1, in the order of `READ list`), or a router handler alone (`list`,
`config`, `flatconfig`, `version`, `classes`, `handlers`; `stop` to write).

Nothing here blocks: the sockets are non-blocking and serve() does what the
bytes received so far allow.  The ControlSocket element calls it between
bursts of rounds (Element.host_serve) and the driver's idle wait wakes on
its sockets, so handlers never run while the compiled data path does.
"""
from __future__ import annotations

import errno
import logging
import re
import socket
import sys
from typing import Callable

from clickpy.element import STANDARD_HANDLERS, element_handlers

log = logging.getLogger(__name__)

GREETING = b"Click::ControlSocket/1.3\r\n"
OK, OK_WARNINGS = 200, 220
SYNTAX, UNIMPLEMENTED, NO_ELEMENT, NO_HANDLER, HANDLER_ERROR = 500, 501, 510, 511, 520
PERMISSION, UNSPECIFIED = 530, 590
ROOT_WRITE_HANDLERS = ("stop",)
READ_CHUNK = 65536
HELP = (
    "Commands supported:",
    "READ handler [arg...]   call read handler, return DATA",
    "READDATA handler len    call read handler with len data bytes, return DATA",
    "READUNTIL handler term  call read handler, take data until term, return DATA",
    "WRITE handler [arg...]  call write handler",
    "WRITEDATA handler len   call write handler, pass len data bytes",
    "WRITEUNTIL handler term call write handler, take data until term",
    "CHECKREAD handler       check if read handler is valid",
    "CHECKWRITE handler      check if write handler is valid",
    "QUIT                    close connection",
)


class Refused(Exception):
    """A command that gets an error reply: its code and message."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def find_handler(full: str, names: list[str], index: dict[str, int],
                 classes: list, private: bool = False,
                 graph=None) -> tuple[str, str, bool, bool]:
    """(element, handler, readable, writable) for a handler name, as Click's ControlSocket
    parses it; element is "" for the router's own handlers.  Refused if there is none.
    names: the elements in configuration order (`READ list`), index: name -> position,
    classes: their element classes.  private: private handlers count (for the
    configuration's own scripts, never for clients)."""
    from clickpy.run_report import ROOT_HANDLERS
    name = full[full.index(".") + 1:] if full.startswith((".", "0.")) else full
    element, dot, handler = name.partition(".")
    if not dot:
        readable = name in ROOT_HANDLERS
        if not readable and name not in ROOT_WRITE_HANDLERS:
            raise Refused(NO_HANDLER, f"No handler named '{full}'")
        return "", name, readable, name in ROOT_WRITE_HANDLERS
    if element not in index:
        if element.isdigit() and 0 < int(element) <= len(names):
            element = names[int(element) - 1]
        else:
            raise Refused(NO_ELEMENT, f"No element named '{element}'")
    cls = classes[index[element]]
    own = {h.name: h for h in STANDARD_HANDLERS}
    ports = graph.nodes[element] if graph is not None else {}
    own.update((h.name, h) for h in element_handlers(cls, ports.get("n_inputs", 0),
                                                     ports.get("n_outputs", 0),
                                                     ports.get("values")))
    h = own.get(handler)
    if h is None or (h.private and not private):
        raise Refused(NO_HANDLER, f"No handler named '{full}'")
    return element, handler, h.read, h.write


class RouterHandlers:
    """Finds, reads and writes a Router's handlers by the names ControlSocket clients use."""

    def __init__(self, router) -> None:
        self.router = router
        self._read = root_reader_for(router.read, router.graph, router.config_text)

    def find(self, full: str, private: bool = False) -> tuple[str, str, bool, bool]:
        router = self.router
        return find_handler(full, router.names, router.plan.index, router.classes, private,
                            router.graph)

    def read(self, element: str, handler: str, param: str) -> str:
        return self._read(element, handler, param or None)

    def write(self, element: str, handler: str, value: str) -> None:
        if element:
            self.router.write(element, handler, value)
        else:           # stop: the only router write handler
            self.stop()

    def stop(self) -> None:
        self.router.stop()


def root_reader_for(read, graph, config_text: str | None):
    """run_report.root_reader, with the flat configuration when the text is not known."""
    from clickpy.lang.click_writer import graph_to_click
    from clickpy.run_report import root_reader
    return root_reader(read, graph, graph_to_click(graph) if config_text is None else config_text)


class Connection:
    """One client: bytes received and not yet used, replies not yet sent."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbuf, self.out = bytearray(), bytearray(GREETING)
        self.in_closed = self.out_closed = False

    def reply(self, code: int, message: str, more: bool = False) -> None:
        printable = "".join(c if c.isprintable() else f"\\{ord(c):03o}" for c in message)
        self.out += f"{code}{'-' if more else ' '}{printable}\r\n".encode("utf-8", "replace")

    def receive(self) -> None:
        """What the client has sent, up to READ_CHUNK bytes a call: a client that never stops
        sending must not keep the driver from its rounds."""
        if self.in_closed:
            return
        try:
            data = self.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.in_closed = True
        self.inbuf += data

    def flush(self) -> None:
        while self.out and not self.out_closed:
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.out_closed = True
                return
            del self.out[:n]

    @property
    def done(self) -> bool:
        return self.out_closed or (self.in_closed and not self.inbuf and not self.out)


class ControlServer:
    """The protocol over a listening socket's connections, or over one connection alone
    (listener None: adopt() it; a --workers worker's, clickpy.runtime.worker_control).

    handlers: a RouterHandlers (or anything with find/read/write/stop);
    read_only: refuse writes (READONLY); say: where VERBOSE messages go.
    """

    def __init__(self, listener: socket.socket | None, handlers, read_only: bool = False,
                 say: Callable[[str], None] | None = None) -> None:
        if listener is not None:
            listener.setblocking(False)
        self.listener, self.handlers, self.read_only, self.say = listener, handlers, read_only, say
        self.connections: list[Connection] = []

    def adopt(self, sock: socket.socket) -> None:
        """Serve an already connected socket (greeted as an accepted one is)."""
        sock.setblocking(False)
        self.connections.append(Connection(sock))

    def fds(self) -> list[int]:
        own = [] if self.listener is None else [self.listener.fileno()]
        return own + [c.sock.fileno() for c in self.connections if not c.in_closed]

    @property
    def sending(self) -> bool:
        """Whether some reply waits for its client to take it (the driver should come back)."""
        return any(c.out and not c.out_closed for c in self.connections)

    def serve(self) -> None:
        """Accept, read, answer every complete command, send: all without blocking."""
        self._accept()
        for c in self.connections:
            c.receive()
            while c.inbuf and self._command(c):
                pass
            c.flush()
        for c in [c for c in self.connections if c.done]:
            self._drop(c)

    def close(self) -> None:
        for c in list(self.connections):
            c.flush()
            self._drop(c)
        if self.listener is not None:
            self.listener.close()

    def _accept(self) -> None:
        while self.listener is not None:
            try:
                sock, addr = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:   # out of file descriptors, say: try again later
                if e.errno not in (errno.ECONNABORTED, errno.EPROTO):
                    log.warning("control socket: accept: %s", e.strerror)
                return
            sock.setblocking(False)
            peer = f"{addr[0]}.{addr[1]}" if isinstance(addr, tuple) else ""
            self.connections.append(Connection(sock))
            if self.say:
                self.say(f"opened connection {sock.fileno()}" + (f" from {peer}" if peer else ""))

    def _drop(self, c: Connection) -> None:
        if self.say:
            self.say(f"closed connection {c.sock.fileno()}")
        self.connections.remove(c)
        c.sock.close()

    # ---- commands --------------------------------------------------------------------
    def _command(self, c: Connection) -> bool:
        """Answer the first command in c.inbuf and remove it; False (leaving it) when its
        data has not all arrived yet."""
        buf = c.inbuf
        end = _line_end(buf, 0)
        if end < 0 and not c.in_closed:
            return False
        line_end = len(buf) if end < 0 else end
        after = line_end + (2 if buf[line_end:line_end + 2] == b"\r\n" else 1)
        line = _text(buf[:line_end])
        rest = bytes(buf[min(after, len(buf)):])
        try:
            used = self._run(c, line, rest)
        except Refused as e:
            c.reply(e.code, str(e))
            used = 0
        if used is None:        # waits for more data
            if c.in_closed:
                c.reply(SYNTAX, "Not enough data")
                del buf[:]
            return False
        del buf[:min(after, len(buf)) + used]
        return True

    def _run(self, c: Connection, line: str, rest: bytes) -> int | None:
        """Run one command line; how many bytes after the line it used (None: not all
        there yet)."""
        spans = [m.span() for m in re.finditer(r"\S+", line)]
        words = [line[a:b] for a, b in spans]
        if not words:
            return 0
        command = words[0].upper()
        if command in ("READ", "GET", "WRITE", "SET"):
            if len(words) < 2:
                raise Refused(SYNTAX, "Wrong number of arguments")
            data = line[spans[2][0]:spans[-1][1]] if len(words) > 2 else ""
            self._call(c, command[0] in "RG", words[1], data)
            return 0
        if command in ("READDATA", "WRITEDATA", "SETDATA"):
            if len(words) != 3:
                raise Refused(SYNTAX, "Wrong number of arguments")
            if not words[2].isdigit():
                raise Refused(SYNTAX, f"Syntax error in '{command}'")
            n = int(words[2])
            if len(rest) < n:
                return None
            self._call(c, command[0] == "R", words[1], _text(rest[:n]))
            return n
        if command in ("READUNTIL", "WRITEUNTIL"):
            if len(words) < 2:
                raise Refused(SYNTAX, "Wrong number of arguments")
            until = " ".join(words[2:])
            data, used = _until(rest, until)
            if used is None:
                return None
            self._call(c, command[0] == "R", words[1], data)
            return used
        if command in ("CHECKREAD", "CHECKWRITE"):
            if len(words) != 2:
                raise Refused(SYNTAX, "Wrong number of arguments")
            self._check(c, words[1], command == "CHECKWRITE")
            return 0
        if command in ("CLOSE", "QUIT"):
            if len(words) != 1:
                c.reply(SYNTAX, "Bad command syntax")
            c.reply(OK, "Goodbye!")
            c.in_closed = True
            return len(rest)
        if command == "HELP":
            for k, text in enumerate(HELP):
                c.reply(OK, text, more=k < len(HELP) - 1)
            return 0
        raise Refused(UNIMPLEMENTED, f"Command '{command}' unimplemented")

    def _call(self, c: Connection, read: bool, name: str, data: str) -> None:
        from clickpy.runtime.router import HandlerError
        element, handler, readable, writable = self.handlers.find(name)
        if read:
            if not readable:
                raise Refused(PERMISSION, f"Handler '{name}' write-only")
            try:
                value = self.handlers.read(element, handler, data)
            except Exception as e:      # a handler's failure is the client's answer, not ours
                _log_unexpected(e, HandlerError)
                c.reply(UNSPECIFIED, f"Read handler '{name}' error:", more=True)
                c.reply(UNSPECIFIED, str(e) or type(e).__name__)
                return
            body = value.encode("utf-8", "replace")
            c.reply(OK, f"Read handler '{name}' OK")
            c.out += b"DATA %d\r\n" % len(body) + body
            return
        if not writable:
            raise Refused(PERMISSION, f"Handler '{name}' read-only")
        if self.read_only:
            raise Refused(PERMISSION, f"Permission denied for '{name}'")
        try:
            self.handlers.write(element, handler, data)
        except Exception as e:
            _log_unexpected(e, HandlerError)
            c.reply(HANDLER_ERROR, f"Write handler '{name}' error:", more=True)
            c.reply(HANDLER_ERROR, str(e) or type(e).__name__)
            return
        c.reply(OK, f"Write handler '{name}' OK")

    def _check(self, c: Connection, name: str, write: bool) -> None:
        _, _, readable, writable = self.handlers.find(name)
        if write and writable and self.read_only:
            raise Refused(PERMISSION, f"Permission denied for '{name}'")
        if writable if write else readable:
            c.reply(OK, f"{'Write' if write else 'Read'} handler '{name}' OK")
        else:
            c.reply(NO_HANDLER, f"Handler '{name}' not {'writable' if write else 'readable'}")


def _log_unexpected(e: Exception, expected: type) -> None:
    """A handler that failed other than by refusing its input (a bug): keep the traceback."""
    if not isinstance(e, expected):
        log.error("control socket: handler failed", exc_info=e)


def _line_end(buf: bytes | bytearray, start: int) -> int:
    """Where the line from `start` ends (its CR or LF), or -1 when it has not ended yet."""
    ends = [i for i in (buf.find(b"\r", start), buf.find(b"\n", start)) if i >= 0]
    return min(ends) if ends else -1


def _text(data: bytes | bytearray) -> str:
    return bytes(data).decode("utf-8", "replace")


def _until(rest: bytes, until: str) -> tuple[str, int | None]:
    """READUNTIL/WRITEUNTIL's data: the lines of `rest` before the first one equal to
    `until` (trailing spaces ignored on both), and the bytes used, the terminator
    included; (_, None) while no such line has arrived."""
    pos = 0
    while True:
        end = _line_end(rest, pos)
        if end < 0:
            return "", None
        nxt = end + (2 if rest[end:end + 2] == b"\r\n" else 1)
        if _text(rest[pos:end]).rstrip() == until.rstrip():
            return _text(rest[:pos]), nxt
        pos = nxt


def verbose_printer(label: str) -> Callable[[str], None]:
    """VERBOSE: Click's ControlSocket says on standard error what it accepts and drops."""
    def say(message: str) -> None:
        print(f"{label}: {message}", file=sys.stderr, flush=True)
    return say
