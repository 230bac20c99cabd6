"""Small tools run inside test namespaces: ping without iputils, a TCP transfer."""
from __future__ import annotations

import sys
import textwrap

PING = textwrap.dedent("""
    import os, socket, struct, sys, time
    dst, count, ttl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.settimeout(1.0)
    ident = os.getpid() & 0xFFFF
    def csum(b):
        if len(b) % 2: b += b"\\0"
        t = sum(struct.unpack("!%dH" % (len(b) // 2), b)); t = (t >> 16) + (t & 0xFFFF)
        return (~(t + (t >> 16))) & 0xFFFF
    got = 0
    for seq in range(count):
        body = struct.pack("!d", time.time()) + bytes(48)
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        s.sendto(struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, seq) + body, (dst, 0))
        end = time.time() + 1.0
        while time.time() < end:
            try:
                pkt, addr = s.recvfrom(2048)
            except socket.timeout:
                break
            ihl = (pkt[0] & 15) * 4
            t, code, _, i, q = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq:
                print("reply", addr[0], "ttl", pkt[8], flush=True); got += 1; break
            if t == 11:
                print("timeexceeded", addr[0], flush=True); break
    sys.exit(0 if got == count else 1)
""")

SERVER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept(); c.settimeout(20)
    n = 0; import hashlib; h = hashlib.sha256()
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b); h.update(b)
    c.sendall(f"{n} {h.hexdigest()}".encode()); c.close()
""")

CLIENT = textwrap.dedent("""
    import hashlib, os, socket, sys
    data = os.urandom(int(sys.argv[3]))
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
    c.sendall(data); c.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = c.recv(4096)
        if not b: break
        reply += b
    print(reply.decode(), len(data), hashlib.sha256(data).hexdigest())
""")


def ping(topo, ns: str, dst: str, count: int = 1, ttl: int = 64, timeout: float = 30):
    """ICMP echo from namespace ns (the kernel answers on the far side): CompletedProcess."""
    return topo.run(ns, [sys.executable, "-c", PING, dst, str(count), str(ttl)], check=False,
                    timeout=timeout)


PEER = __file__.replace("nettools.py", "peer.py")

# A middlebox namespace m between hosts x and y on two veth pairs (eth0 toward x, eth1
# toward y); m's eth0 has an address so that m's own stack can answer when frames reach it.
X, Y = "02:00:00:00:00:01", "02:00:00:00:00:02"
WIRE = {
    "namespaces": {
        "x": {"interfaces": {"x0": {"mac": X, "addrs": ["10.7.0.1/24"]}}},
        "m": {"interfaces": {"eth0": {"addrs": ["10.7.0.254/24"]}}},
        "y": {"interfaces": {"y0": {"mac": Y}}},
    },
    "links": [["x:x0", "m:eth0"], ["m:eth1", "y:y0"]],
}


class Sniffer:
    """Frames arriving on an interface of a namespace, collected by peer.py."""

    def __init__(self, topo, ns: str, iface: str, seconds: float = 3.0, count: int = 1 << 30):
        import subprocess
        self.p = topo.popen(ns, [sys.executable, PEER, "sniff", iface, str(seconds), str(count)],
                            stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"sniffer in {ns} did not start: {line!r}")

    def frames(self, timeout: float = 30) -> list[bytes]:
        import json
        out, _ = self.p.communicate(timeout=timeout)
        return [bytes.fromhex(h) for h in json.loads(out.strip().splitlines()[-1])]


def send_frames(topo, ns: str, iface: str, frames) -> None:
    topo.run(ns, [sys.executable, PEER, "send", iface, *(bytes(f).hex() for f in frames)])


class Middlebox:
    """`python3 -m clickpy run CONFIG ...` inside a namespace, over its real interfaces.

    Ready once the live counters appear (the data path is compiled and
    running); stop() interrupts it like Ctrl-C and returns its exit status,
    standard output (handlers, packet account) and standard error.
    """

    def __init__(self, topo, ns: str, argv, cwd: str, timeout: float = 900):
        import subprocess
        import threading
        self.p = topo.popen(ns, [sys.executable, "-m", "clickpy", "run", *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read_err, daemon=True)
        self.reader.start()
        self.out: list[str] = []
        self.out_reader = threading.Thread(target=lambda: self.out.append(self.p.stdout.read()),
                                           daemon=True)
        self.out_reader.start()
        if not self.ready.wait(timeout) or self.p.poll() is not None:
            self.p.kill()
            self.reader.join(5)
            raise RuntimeError("middlebox did not start: " + "".join(self.err)[-3000:])

    def _read_err(self):
        while True:
            chunk = self.p.stderr.read(1)
            if not chunk:
                self.ready.set()
                return
            self.err.append(chunk)
            if chunk == "s" and "".join(self.err[-60:]).find("Mpps") >= 0:
                self.ready.set()

    def stop(self, timeout: float = 60):
        import signal
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        rc = self.p.wait(timeout)
        self.reader.join(10)
        self.out_reader.join(10)
        return rc, "".join(self.out), "".join(self.err)


# A TCP server that answers each connection with who it saw: "PEER_IP LOCAL_IP BYTES".
WHO_SERVER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
    print("listening", flush=True)
    for _ in range(int(sys.argv[2])):
        c, peer = s.accept(); c.settimeout(10)
        n = 0
        while True:
            b = c.recv(65536)
            if not b: break
            n += len(b)
        c.sendall(f"{peer[0]} {c.getsockname()[0]} {n}".encode()); c.close()
""")

WHO_CLIENT = textwrap.dedent("""
    import socket, sys
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[4]))
    except OSError as e:
        print("failed", type(e).__name__); sys.exit(0)
    c.sendall(b"x" * int(sys.argv[3])); c.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = c.recv(4096)
        if not b: break
        reply += b
    print(reply.decode())
""")


def who(topo, ns: str, dst: str, port: int, size: int = 100_000, timeout: float = 5) -> str:
    """Connect from ns to dst:port, send size bytes: the server's "PEER LOCAL BYTES" or "failed"."""
    r = topo.run(ns, [sys.executable, "-c", WHO_CLIENT, dst, str(port), str(size), str(timeout)],
                 timeout=60)
    return r.stdout.strip()


def who_server(topo, ns: str, port: int, connections: int):
    import subprocess
    p = topo.popen(ns, [sys.executable, "-c", WHO_SERVER, str(port), str(connections)],
                   stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "listening":
        raise RuntimeError(f"server in {ns} did not start")
    return p
