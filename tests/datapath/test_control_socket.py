"""ControlSocket: Click's handler protocol over TCP (loopback) and UNIX sockets, served between
rounds of a running Router."""
import socket
import time

import pytest

from clickpy.check import check_graph
from clickpy.compile.plan import PlanError
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router

BOX = ("InfiniteSource(LIMIT 10, STOP false) -> c :: Counter -> Discard;\n"
       "Idle -> rt :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1) => Discard, Discard;\n")


def checked(text):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    return result


def router(text):
    result = checked(text)
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph, config_text=text)


class Client:
    """A ControlSocket client that lets the router take a few rounds before each read."""

    def __init__(self, r, sock):
        self.r, self.s = r, sock
        self.s.settimeout(0.05)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def lines(self, n):
        """The next n reply lines (CRLF kept), stepping the router until they are there."""
        deadline = time.monotonic() + 10
        while self.buf.count(b"\r\n") < n and time.monotonic() < deadline:
            self.r.step()
            try:
                got = self.s.recv(65536)
            except socket.timeout:
                continue
            if not got:
                break
            self.buf += got
        out = []
        for _ in range(n):
            line, _, self.buf = self.buf.partition(b"\r\n")
            out.append(line.decode())
        return out

    def data(self):
        """A read's reply: its status line, then the DATA n bytes."""
        status, size = self.lines(2)
        n = int(size.split()[1])
        deadline = time.monotonic() + 10
        while len(self.buf) < n and time.monotonic() < deadline:
            self.r.step()
            try:
                self.buf += self.s.recv(65536)
            except socket.timeout:
                pass
        value, self.buf = self.buf[:n], self.buf[n:]
        return status, value.decode()

    def closed(self):
        """Whether the server closed the connection (after stepping the router a while)."""
        for _ in range(50):
            self.r.step()
            try:
                if self.s.recv(65536) == b"":
                    return True
            except socket.timeout:
                continue
        return False


@pytest.fixture
def tcp():
    made = []

    def connect(extra="", text=BOX):
        r = router(f"cs :: ControlSocket(TCP, 0, LOCALHOST true{extra});\n{text}")
        made.append(r)
        c = Client(r, socket.create_connection(("127.0.0.1", int(r.read("cs", "port")))))
        assert c.lines(1) == ["Click::ControlSocket/1.3"]
        return c
    yield connect
    for r in made:
        r.close()


def test_reads_and_writes_handlers_as_click_does(tcp):
    c = tcp()
    for _ in range(100):
        c.r.step()
    c.send(b"READ c.count\n")
    assert c.data() == ("200 Read handler 'c.count' OK", "10")
    c.send(b"read 3.count\r\n")                  # element number, lower-case command
    assert c.data() == ("200 Read handler '3.count' OK", "10")
    c.send(b"WRITE c.reset\nGET c.count\n")
    assert c.lines(1) == ["200 Write handler 'c.reset' OK"]
    assert c.data() == ("200 Read handler 'c.count' OK", "0")
    c.send(b"READ rt.lookup 10.1.2.3\n")          # a read handler's parameter
    assert c.data()[0] == "200 Read handler 'rt.lookup' OK"
    c.send(b"READ list\n")
    assert c.data() == ("200 Read handler 'list' OK",
                        "8\ncs\nInfiniteSource@2\nc\nDiscard@4\nIdle@5\nrt\nDiscard@7\n"
                        "Discard@8\n")
    c.send(b"READ config\n")
    assert c.data()[1].startswith("cs :: ControlSocket(TCP, 0, LOCALHOST true);\n")
    c.send(b"READ cs.port\n")
    assert c.data()[1] == c.r.read("cs", "port")
    c.send(b"QUIT\n")
    assert c.lines(1) == ["200 Goodbye!"]
    assert c.closed()


def test_errors_have_clicks_codes_and_the_run_goes_on(tcp):
    c = tcp()
    c.send(b"READ nosuch.count\nREAD c.nosuch\nREAD nosuch\nREAD 9.count\n")
    assert c.lines(4) == ["510 No element named 'nosuch'", "511 No handler named 'c.nosuch'",
                          "511 No handler named 'nosuch'", "510 No element named '9'"]
    c.send(b"READ c.reset\nWRITE c.count 5\n")
    assert c.lines(2) == ["530 Handler 'c.reset' write-only", "530 Handler 'c.count' read-only"]
    c.send(b"CHECKREAD c.reset\nCHECKWRITE c.reset\nCHECKREAD c.count\n")
    assert c.lines(3) == ["511 Handler 'c.reset' not readable", "200 Write handler 'c.reset' OK",
                          "200 Read handler 'c.count' OK"]
    c.send(b"WRITE rt.add 300.0.0.0/8 0\n")       # the handler refuses its input
    assert c.lines(2) == ["520-Write handler 'rt.add' error:",
                          "520 rt.add: add: expected 'ADDR/MASK [GATEWAY] OUTPUT': '300.0.0.0/8 0' "
                          "is not a route: bad ADDR/MASK: '300.0.0.0/8' is not an IP prefix: "
                          "'300.0.0.0' is not an IP address"]
    assert "300.0.0.0" not in c.r.read("rt", "table")
    c.send(b"LLRPC c#1\nFROB\nREAD\nREADDATA c.count x\n")
    assert c.lines(4) == ["501 Command 'LLRPC' unimplemented", "501 Command 'FROB' unimplemented",
                          "500 Wrong number of arguments", "500 Syntax error in 'READDATA'"]
    c.send(b"READ c.count\n")                    # still answering
    assert c.data()[0] == "200 Read handler 'c.count' OK"


def test_data_and_until_commands_wait_for_their_bytes(tcp):
    c = tcp()
    c.send(b"WRITEDATA rt.add 13\r\n10.0.0.0/24 ")   # the rest comes later
    for _ in range(5):
        c.r.step()
    c.send(b"1")
    assert c.lines(1) == ["200 Write handler 'rt.add' OK"]
    c.send(b"READDATA rt.lookup 8\n10.0.0.9READ c.count\r")   # CR alone ends a line too
    assert c.data() == ("200 Read handler 'rt.lookup' OK", c.r.read("rt", "lookup", "10.0.0.9"))
    assert c.data()[0] == "200 Read handler 'c.count' OK"
    c.send(b"WRITEUNTIL rt.add EOF\n10.9.0.0/16 1\nEOF  \n")
    assert c.lines(1) == ["200 Write handler 'rt.add' OK"]
    assert "10.9.0.0/16" in c.r.read("rt", "table")
    c.send(b"WRITEDATA c.reset 100\nshort")
    c.s.shutdown(socket.SHUT_WR)                 # the client gives up: not enough data
    assert c.lines(1) == ["500 Not enough data"]
    assert c.closed()


def test_readonly_refuses_every_write(tcp):
    c = tcp(", READONLY true")
    c.send(b"WRITE c.reset\nCHECKWRITE c.reset\nREAD c.count\n")
    assert c.lines(2) == ["530 Permission denied for 'c.reset'",
                          "530 Permission denied for 'c.reset'"]
    assert c.data()[0] == "200 Read handler 'c.count' OK"


def test_write_stop_ends_the_run(tcp):
    c = tcp(text="InfiniteSource(STOP false) -> c :: Counter -> Discard;")
    c.send(b"WRITE stop\n")
    assert c.lines(1) == ["200 Write handler 'stop' OK"]
    assert c.r.stopped


def test_unix_socket_and_its_file(tmp_path):
    path = tmp_path / "click.sock"
    r = router(f'cs :: ControlSocket(UNIX, "{path}");\n' + BOX)
    try:
        assert r.read("cs", "filename") == str(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(path))
        c = Client(r, s)
        assert c.lines(1) == ["Click::ControlSocket/1.3"]
        c.send(b"READ c.count\n")
        assert c.data()[0] == "200 Read handler 'c.count' OK"
    finally:
        r.close()
    assert not path.exists()


def test_a_port_in_use_is_a_configuration_error_or_the_next_one_with_plus():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        with pytest.raises(PlanError, match=f"bind TCP port {port}: Address already in use"):
            router(f"ControlSocket(TCP, {port}, LOCALHOST true); Idle -> Discard;")
        r = router(f"cs :: ControlSocket(TCP, {port}+, LOCALHOST true); Idle -> Discard;")
        try:
            assert int(r.read("cs", "port")) > port
        finally:
            r.close()
    finally:
        busy.close()


def test_retries_open_the_socket_once_it_is_free():
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    r = router(f"cs :: ControlSocket(TCP, {port}, LOCALHOST true, RETRIES 3, "
               "RETRY_WARNINGS false); Idle -> Discard;")
    try:
        busy.close()
        deadline = time.monotonic() + 5
        while int(r.read("cs", "port")) != port and time.monotonic() < deadline:
            r.step()
            time.sleep(0.05)
        c = Client(r, socket.create_connection(("127.0.0.1", port)))
        assert c.lines(1) == ["Click::ControlSocket/1.3"]
        assert not r.stopped
    finally:
        r.close()


@pytest.mark.parametrize("config, message", [
    ("ControlSocket(TCP, 99999)", "PORT requires a TCP port: port 99999 is out of range"),
    ("ControlSocket(TCP, nosuchservice)", "PORT requires a TCP port: unknown TCP port"),
    ("ControlSocket(UNIX)", "ControlSocket(UNIX, FILENAME) needs a file name"),
    ("ControlSocket(TCP, 7777, PROXY kh)", "PROXY is not available"),
    ("ControlSocket(UDP, 7777)", "socket type"),
])
def test_bad_configurations_are_reported(config, message):
    result = checked(config + ";")
    assert not result.ok
    assert message in "\n".join(d.format() for d in result.errors)


def test_a_stale_socket_file_is_replaced_and_another_file_kept(tmp_path):
    stale = tmp_path / "stale.sock"
    old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old.bind(str(stale))
    old.close()                                  # the file stays, nobody listens
    r = router(f'ControlSocket(UNIX, "{stale}"); Idle -> Discard;')
    r.close()
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me")
    with pytest.raises(PlanError, match="Address already in use"):
        router(f'ControlSocket(UNIX, "{precious}"); Idle -> Discard;')
    assert precious.read_text() == "keep me"
