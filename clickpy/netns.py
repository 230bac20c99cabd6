"""Test topologies: network namespaces joined by veth pairs, built and torn down with `ip`.

A middlebox is only real on real interfaces; namespaces give every test and
every user without spare hardware a private set of them.  A topology names
its namespaces and links logically (a, r, b; a:a0 <-> r:eth0); each run gets
fresh kernel names (`prefix-suffix-a`, suffix random), so parallel runs and
leftovers of a crashed run never collide.  Interfaces are created directly
inside their namespaces, where names are private: they keep the names the
topology gives (at most 15 characters, the kernel's limit), and nothing is
ever created in, or sent from, the caller's own namespace.

    topo = Topology.load("labs/router.yaml")
    with topo:                                 # up(); down() even if the body raises
        topo.run("a", ["ip", "addr"])          # a command inside namespace a

The spec (a dict, or the same in YAML):

    namespaces:
      a:
        interfaces: {a0: {mac: "02:00:00:00:01:02", addrs: [10.0.1.2/24], mtu: 1500}}
                               # offload: true keeps veth checksum/TSO offload (default off,
                               # so frames are complete and MTU-sized, as on a real wire)
        routes: ["default via 10.0.1.1"]
        neighbours: [{ip: 10.0.1.1, mac: "00:00:0a:00:01:01", dev: a0}]
        sysctls: {net.ipv4.ip_forward: 0}
        ipv6: false            # default: IPv6 off, so no router solicitations add noise
      r: {}
    links:
      - [a:a0, r:eth0]         # one veth pair per link
      - {ends: [r:eth1, b:b0], queues: 2}   # with 2 receive and transmit queues each end
                               # (default 1), as AF_XDP under --workers 2 needs
"""
from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

log = logging.getLogger(__name__)

IFNAMSIZ = 15                      # longest interface name the kernel takes
_IFNAME = re.compile(r"[A-Za-z0-9_.\-]{1,15}")
_NSNAME = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_MAC = re.compile(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}")
_SYSCTL = re.compile(r"[A-Za-z0-9_.\-]+")


class TopologyError(Exception):
    """A topology spec that cannot be built, or a command that failed; message is for users."""


def available() -> str | None:
    """Why namespaces cannot be used here (not root, no `ip netns`), or None when they can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces and veth pairs)"
    if shutil.which("ip") is None:
        return "needs iproute2's `ip` command"
    try:
        subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        return f"`ip netns list` does not work here: {e}"
    return None


@dataclass
class Interface:
    ns: str
    name: str
    mac: str | None = None
    addrs: list[str] = field(default_factory=list)
    mtu: int | None = None
    offload: bool = False


@dataclass
class Namespace:
    name: str
    interfaces: dict[str, Interface] = field(default_factory=dict)
    routes: list[str] = field(default_factory=list)
    neighbours: list[dict[str, str]] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    ipv6: bool = False


def _queues(link: Any, k: int) -> int:
    if not isinstance(link, Mapping):
        return 1
    bad = set(link) - {"ends", "queues"}
    if bad:
        raise TopologyError(f"link {k}: unknown key {sorted(bad)[0]!r} (expected ends, queues)")
    q = link.get("queues", 1)
    if not isinstance(q, int) or isinstance(q, bool) or not 1 <= q <= 256:
        raise TopologyError(f"link {k}: queues must be a number from 1 to 256")
    return q


def _ends(link: Any, k: int) -> tuple[tuple[str, str], tuple[str, str]]:
    if isinstance(link, Mapping):
        link = link.get("ends")
    if not isinstance(link, (list, tuple)) or len(link) != 2:
        raise TopologyError(f"link {k}: give two ends, as [ns:dev, ns:dev]")
    out = []
    for end in link:
        ns, colon, dev = str(end).partition(":")
        if not colon or not ns or not dev:
            raise TopologyError(f"link {k}: end {end!r} should be written NAMESPACE:DEVICE")
        out.append((ns, dev))
    return out[0], out[1]


def _parse(spec: Mapping[str, Any]) -> tuple[dict[str, Namespace], list]:
    if not isinstance(spec, Mapping):
        raise TopologyError("a topology is a mapping with 'namespaces' and 'links'")
    unknown = set(spec) - {"namespaces", "links", "prefix"}
    if unknown:
        raise TopologyError(f"unknown topology key {sorted(unknown)[0]!r} "
                            "(expected namespaces, links, prefix)")
    raw = spec.get("namespaces") or {}
    if not isinstance(raw, Mapping) or not raw:
        raise TopologyError("'namespaces' must map at least one namespace name to its settings")
    spaces: dict[str, Namespace] = {}
    for name, body in raw.items():
        name = str(name)
        if not _NSNAME.fullmatch(name):
            raise TopologyError(f"namespace name {name!r}: use letters, digits, _ and -")
        body = body or {}
        if not isinstance(body, Mapping):
            raise TopologyError(f"namespace {name}: settings must be a mapping")
        bad = set(body) - {"interfaces", "routes", "neighbours", "sysctls", "ipv6"}
        if bad:
            raise TopologyError(f"namespace {name}: unknown key {sorted(bad)[0]!r}")
        ns = Namespace(name, routes=[str(r) for r in body.get("routes") or []],
                       sysctls={str(k): str(int(v) if isinstance(v, bool) else v)
                                for k, v in (body.get("sysctls") or {}).items()},
                       ipv6=bool(body.get("ipv6", False)))
        for k in ns.sysctls:
            if not _SYSCTL.fullmatch(k) or ".." in k:
                raise TopologyError(f"namespace {name}: bad sysctl name {k!r}")
        for dev, conf in (body.get("interfaces") or {}).items():
            ns.interfaces[str(dev)] = _interface(name, str(dev), conf or {})
        for n in body.get("neighbours") or []:
            if not isinstance(n, Mapping) or not {"ip", "mac", "dev"} <= set(n):
                raise TopologyError(f"namespace {name}: a neighbour needs ip, mac and dev")
            _check_ip(name, str(n["ip"]))
            _check_mac(name, str(n["mac"]))
            ns.neighbours.append({k: str(n[k]) for k in ("ip", "mac", "dev")})
        spaces[name] = ns
    links = []
    seen: set[tuple[str, str]] = set()
    for k, link in enumerate(spec.get("links") or []):
        a, b = _ends(link, k)
        for ns, dev in (a, b):
            if ns not in spaces:
                raise TopologyError(f"link {k}: no namespace {ns!r} (have {', '.join(spaces)})")
            if (ns, dev) in seen:
                raise TopologyError(f"link {k}: {ns}:{dev} is already the end of another link")
            seen.add((ns, dev))
            spaces[ns].interfaces.setdefault(dev, _interface(ns, dev, {}))
        links.append((a, b, _queues(link, k)))
    for ns in spaces.values():
        for dev in ns.interfaces:
            if (ns.name, dev) not in seen:
                raise TopologyError(f"namespace {ns.name}: interface {dev} is on no link")
        for n in ns.neighbours:
            if n["dev"] not in ns.interfaces:
                raise TopologyError(f"namespace {ns.name}: neighbour {n['ip']} on unknown "
                                    f"interface {n['dev']}")
    return spaces, links


def _check_ip(ns: str, text: str, prefix: bool = False) -> None:
    try:
        (ipaddress.ip_interface if prefix else ipaddress.ip_address)(text)
    except ValueError:
        raise TopologyError(f"namespace {ns}: bad address {text!r}") from None
    if prefix and "/" not in text:
        raise TopologyError(f"namespace {ns}: address {text!r} needs a prefix length (/24)")


def _check_mac(ns: str, text: str) -> None:
    if not _MAC.fullmatch(text):
        raise TopologyError(f"namespace {ns}: bad Ethernet address {text!r}")


def _interface(ns: str, dev: str, conf: Mapping[str, Any]) -> Interface:
    if not _IFNAME.fullmatch(dev):
        raise TopologyError(f"namespace {ns}: interface name {dev!r} must be 1 to {IFNAMSIZ} "
                            "letters, digits, '_', '-' or '.'")
    if not isinstance(conf, Mapping) or set(conf) - {"mac", "addrs", "mtu", "offload"}:
        raise TopologyError(f"namespace {ns}: interface {dev} takes mac, addrs, mtu, offload")
    addrs = [str(a) for a in conf.get("addrs") or []]
    for a in addrs:
        _check_ip(ns, a, prefix=True)
    mac = conf.get("mac")
    if mac is not None:
        _check_mac(ns, str(mac))
    mtu = conf.get("mtu")
    if mtu is not None and (not isinstance(mtu, int) or not 68 <= mtu <= 65535):
        raise TopologyError(f"namespace {ns}: interface {dev}: mtu must be 68..65535")
    return Interface(ns, dev, None if mac is None else str(mac), addrs, mtu,
                     bool(conf.get("offload", False)))


# Transmit checksum offload off (ETHTOOL_STXCSUM 0 through SIOCETHTOOL; TSO goes with it):
# a veth otherwise hands packet sockets frames with half-done checksums and
# 64 KB TCP segments, which no real wire carries.
_NO_TX_OFFLOAD = """
import fcntl, socket, struct, sys, ctypes
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for dev in sys.argv[1:]:
    val = ctypes.create_string_buffer(struct.pack("II", 0x17, 0), 8)
    req = struct.pack("16sQ", dev.encode(), ctypes.addressof(val)).ljust(40, b"\\0")
    fcntl.ioctl(s.fileno(), 0x8946, req)
"""


def ip(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `ip ARGV`; TopologyError with ip's own message when it fails."""
    r = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise TopologyError(f"ip {' '.join(argv)}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def netns_exists(name: str) -> bool:
    return os.path.exists(os.path.join("/run/netns", name))


def delete_namespaces(names: Sequence[str]) -> list[str]:
    """Delete namespaces (and so their veths), ending processes still inside them first.

    Only for namespaces this module made: every process in them was started
    there by the run that made them.  Returns the names actually deleted.
    """
    gone = []
    for name in names:
        if not netns_exists(name):
            continue
        pids = ip("netns", "pids", name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        r = ip("netns", "del", name, check=False)
        if r.returncode != 0:
            log.warning("could not delete namespace %s: %s", name, r.stderr.strip())
        else:
            gone.append(name)
    return gone


class Topology:
    """Namespaces and veth pairs from a spec; `up()` builds, `down()` removes exactly those."""

    def __init__(self, spec: Mapping[str, Any], prefix: str | None = None):
        self.spec = spec
        self.spaces, self.links = _parse(spec)
        prefix = prefix or str(spec.get("prefix") or "cp")
        if not _NSNAME.fullmatch(prefix) or len(prefix) > 12:
            raise TopologyError(f"prefix {prefix!r}: at most 12 letters, digits, _ and -")
        self.tag = f"{prefix}-{secrets.token_hex(3)}"
        self.names = {ns: f"{self.tag}-{ns}" for ns in self.spaces}
        self.created: list[str] = []
        self._procs: list[subprocess.Popen] = []

    @classmethod
    def load(cls, path: str, prefix: str | None = None) -> "Topology":
        import yaml
        try:
            with open(path, encoding="utf-8") as f:
                spec = yaml.safe_load(f)
        except OSError as e:
            raise TopologyError(f"{path}: {e.strerror}") from None
        except yaml.YAMLError as e:
            raise TopologyError(f"{path}: not valid YAML: {e}") from None
        return cls(spec, prefix)

    # ---- building ----------------------------------------------------------------------
    def up(self) -> "Topology":
        """Build everything; on any failure remove what was built and raise TopologyError."""
        try:
            self._build()
        except BaseException:
            self.down()
            raise
        return self

    def _build(self) -> None:
        for ns, real in self.names.items():
            ip("netns", "add", real)
            self.created.append(real)
            ip("-n", real, "link", "set", "lo", "up")
            if not self.spaces[ns].ipv6:
                for scope in ("all", "default"):
                    self._sysctl(ns, f"net.ipv6.conf.{scope}.disable_ipv6", "1")
        for (ans, adev), (bns, bdev), nq in self.links:
            queues = ("numtxqueues", str(nq), "numrxqueues", str(nq)) if nq > 1 else ()
            ip("link", "add", adev, "netns", self.names[ans], *queues, "type", "veth",
               "peer", "name", bdev, "netns", self.names[bns], *queues)
        for ns in self.spaces.values():
            real = self.names[ns.name]
            for key, value in ns.sysctls.items():
                self._sysctl(ns.name, key, value)
            for itf in ns.interfaces.values():
                if itf.mac:
                    ip("-n", real, "link", "set", itf.name, "address", itf.mac)
                if itf.mtu:
                    ip("-n", real, "link", "set", itf.name, "mtu", str(itf.mtu))
                for a in itf.addrs:
                    ip("-n", real, "addr", "add", a, "dev", itf.name)
                ip("-n", real, "link", "set", itf.name, "up")
            wire = [i.name for i in ns.interfaces.values() if not i.offload]
            if wire:
                self.run(ns.name, [sys.executable, "-c", _NO_TX_OFFLOAD, *wire])
            for n in ns.neighbours:
                ip("-n", real, "neigh", "replace", n["ip"], "lladdr", n["mac"], "dev", n["dev"],
                   "nud", "permanent")
            for route in ns.routes:
                ip("-n", real, "route", "add", *route.split())
        log.info("topology %s up: %s", self.tag, ", ".join(self.created))

    def _sysctl(self, ns: str, key: str, value: str) -> None:
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(ns, ["sh", "-c", 'printf "%s\\n" "$1" > "$0"', path, value])

    def down(self) -> list[str]:
        """End processes started here, delete the namespaces (their veths go with them)."""
        for p in self._procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    log.warning("process %d in the topology did not end", p.pid)
        self._procs.clear()
        gone = delete_namespaces(self.created)
        self.created = [n for n in self.created if n not in gone]
        return gone

    def __enter__(self) -> "Topology":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    # ---- inside the namespaces ------------------------------------------------------------
    def ns(self, name: str) -> str:
        """The kernel name of logical namespace `name`."""
        try:
            return self.names[name]
        except KeyError:
            raise TopologyError(f"no namespace {name!r} in this topology "
                                f"(have {', '.join(self.names)})") from None

    def argv(self, ns: str, argv: Sequence[str]) -> list[str]:
        """The command line that runs argv inside namespace ns."""
        return ["ip", "netns", "exec", self.ns(ns), *argv]

    def run(self, ns: str, argv: Sequence[str], check: bool = True, timeout: float = 60,
            **kw: Any) -> subprocess.CompletedProcess:
        """Run a command inside namespace ns and wait; output captured as text."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        r = subprocess.run(self.argv(ns, argv), timeout=timeout, **kw)
        if check and r.returncode != 0:
            err = r.stderr.strip() if isinstance(r.stderr, str) else ""
            raise TopologyError(f"in {ns}: {' '.join(argv)} exited {r.returncode}: {err}")
        return r

    exec = run

    def popen(self, ns: str, argv: Sequence[str], **kw: Any) -> subprocess.Popen:
        """Start a command inside namespace ns; down() ends it if it is still running."""
        p = subprocess.Popen(self.argv(ns, argv), **kw)
        self._procs.append(p)
        return p

    def mac(self, ns: str, dev: str) -> str:
        """An interface's Ethernet address, as the kernel inside the namespace has it."""
        return self.run(ns, ["cat", f"/sys/class/net/{dev}/address"]).stdout.strip()

    def link_stats(self, ns: str, dev: str) -> dict[str, int]:
        """rx/tx packet and drop counters of an interface."""
        import json
        r = self.run(ns, ["ip", "-s", "-j", "link", "show", dev])
        st = json.loads(r.stdout)[0]["stats64"]
        return {f"{d}_{k}": int(st[d][k]) for d in ("rx", "tx") for k in ("packets", "dropped")}

    # ---- what was made ----------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """What up() made, for a state file: `down_recorded` removes exactly these."""
        return {"tag": self.tag, "namespaces": dict(self.names), "created": list(self.created),
                "links": [[f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}"] for a, b, _ in self.links]}


def down_recorded(record: Mapping[str, Any]) -> list[str]:
    """Remove the namespaces a record (Topology.record()) lists; returns those deleted."""
    names = [str(n) for n in record.get("created") or []]
    tag = str(record.get("tag") or "")
    # Only names this module makes: the record's own tag, then '-' and a logical name.
    names = [n for n in names if tag and n.startswith(tag + "-")]
    return delete_namespaces(names)
