"""Image mode: the configuration's unikernel image, booted under QEMU between taps.

The image is what `clickpy build` makes: from the shipped manifest
(vnf_images/NAME.yaml) when the test opens a shipped middlebox by name, so
the image under test is the one shipped, with the manifest's stand-ins for
host-only elements; otherwise from the configuration itself.  Images are
built once per configuration, definitions and manifest settings (a hash of
them) in a test session, by a `python3 -m clickpy build` child: the image's
code is compiled for a generic x86-64, which numba decides when it loads.

Each device gets a tap, opened by QEMU in this namespace and then moved,
alone, into a namespace of the test's own, as tests/unikernel does: the
test's frames never meet the host's stack, and with IPv6 off (and no
addresses) that namespace's kernel sends nothing of its own.  Frames are
sent and captured by raw sockets on the taps; a send counts as processed
once nothing arrived for QUIET seconds, and advance() lets real time pass.
Handlers go through the image's control channel (clickpy.unikernel.control),
and so does the packet account, which the image keeps in its own memory.

What image mode does not have: rounds to step(); a "host" port where the
manifest replaces ToHost (an image has no host stack), which verifications
report as ModeUnavailable; configurations whose elements need a host (pcap
files, ToHost without a stand-in), which cannot be images at all.
"""
from __future__ import annotations

import atexit
import hashlib
import itertools
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import yaml as pyyaml

from clickpy import netns
from clickpy.runtime.bind import HOST, devices
from clickpy.testing.backend import Backend, ModeUnavailable
from clickpy.testing.config import _is_text, describe, resolve
from clickpy.testing.wire import Peer, check_wire_frame, wait_quiet

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "vnf_images"
QUIET = 0.15       # seconds with no frame arriving before a send counts as processed
LIMIT = 10.0       # seconds a settle waits at most
BOOT_TIMEOUT = 60.0
_counter = itertools.count(1)
_built: dict[str, str] = {}          # build key -> image path, for this process (test session)
_folder: list[str] = []


def _cache_folder() -> str:
    if not _folder:
        _folder.append(tempfile.mkdtemp(prefix="clickpy-test-images-"))
        atexit.register(shutil.rmtree, _folder[0], True)
    return _folder[0]


def image_spec(config, yaml: bool, definitions: dict[str, str]):
    """The ImageSpec the test's configuration is built from (manifest settings included)."""
    from clickpy.unikernel import manifest
    where = resolve(config, yaml)
    shipped = (isinstance(config, str) and not _is_text(config) and not Path(config).suffix
               and (MANIFESTS / f"{config}.yaml").is_file())
    if shipped:
        spec = manifest.load(str(MANIFESTS / f"{config}.yaml"))
        spec.config = str(Path(where).resolve())     # the YAML form, with yaml=True
        spec.defines.update(definitions)
        return spec
    if isinstance(where, str):                        # configuration text: a file to build from
        text = where.encode()
        path = Path(_cache_folder()) / (f"config-{hashlib.sha256(text).hexdigest()[:16]}"
                                        f".{'yaml' if yaml else 'click'}")
        path.write_bytes(text)
        where = path
    return manifest.from_config(str(Path(where).resolve()), definitions)


def check_image(graph: nx.MultiDiGraph, spec, name: str) -> None:
    """ModeUnavailable, with every reason, when the configuration cannot be an image."""
    from clickpy.unikernel.build import configuration_devices
    from clickpy.unikernel.imagegraph import ImageGraphError, image_graph
    found = configuration_devices(graph)
    if spec.devices is None or set(spec.devices) != set(found):
        spec.devices = found             # definitions renamed the manifest's devices
    try:
        image_graph(graph, spec.devices, spec.replace)
    except ImageGraphError as e:
        raise ModeUnavailable(f"image mode: {name} cannot be an image:\n"
                              + "\n".join(d.format() for d in e.diagnostics)) from None


def build_image(spec) -> str:
    """The image for spec, built on first use in this process; its path."""
    from clickpy.unikernel.manifest import memory_mib
    memory_mib(spec.memory)
    with open(spec.config, "rb") as f:
        body = f.read()
    settings = {k: v for k, v in spec.to_json().items() if k != "config"}
    key = hashlib.sha256(json.dumps([settings, spec.config], sort_keys=True).encode()
                         + body).hexdigest()[:16]
    if key in _built and os.path.isfile(_built[key]):
        return _built[key]
    folder = _cache_folder()
    man = os.path.join(folder, f"{spec.name}-{key}.yaml")
    with open(man, "w") as f:
        pyyaml.safe_dump({"name": spec.name, "config": spec.config, "devices": spec.devices,
                          "memory": spec.memory, "define": spec.defines, "replace": spec.replace,
                          "pool": spec.pool, "budget": spec.budget}, f)
    out = os.path.join(folder, f"{spec.name}-{key}.elf")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "clickpy", "build", man, "-o", out], cwd=str(ROOT),
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"clickpy build of {spec.config} failed (exit {r.returncode}):\n"
                           + (r.stderr.strip() or r.stdout.strip()))
    log.info("built %s in %.1f s", out, time.perf_counter() - t)
    _built[key] = out
    return out


class TapPort:
    """A tap for one NIC of the image, then alone in a namespace of the test's own."""

    def __init__(self):
        token = secrets.token_hex(3)
        self.tap, self.ns = f"cpt{token}", f"cpt-{token}-tap"
        self.peer: Peer | None = None
        self.made: list[str] = []
        netns.ip("netns", "add", self.ns)
        self.made.append("ns")
        self._ipv6_off("default")
        netns.ip("tuntap", "add", "dev", self.tap, "mode", "tap")
        self.made.append("tap")

    def _ipv6_off(self, scope: str) -> None:
        path = f"/proc/sys/net/ipv6/conf/{scope}/disable_ipv6"
        subprocess.run(["ip", "netns", "exec", self.ns, "sh", "-c",
                        f'[ ! -e "{path}" ] || echo 1 > "{path}"'], capture_output=True, timeout=30)

    def move(self) -> None:
        """Once QEMU holds the tap: into the namespace, IPv6 off, up, socket bound."""
        netns.ip("link", "set", self.tap, "netns", self.ns)
        self._ipv6_off(self.tap)
        netns.ip("-n", self.ns, "link", "set", self.tap, "up")
        self.peer = Peer(self.ns, self.tap)

    def close(self) -> None:
        if self.peer is not None:
            self.peer.close()
        if "tap" in self.made:
            netns.ip("-n", self.ns, "link", "del", self.tap, check=False)
            netns.ip("link", "del", self.tap, check=False)
        if "ns" in self.made:
            netns.delete_namespaces([self.ns])
        self.made.clear()


class ImageBackend(Backend):
    mode = "image"

    def __init__(self, graph: nx.MultiDiGraph, config, yaml: bool = False,
                 definitions: dict[str, str] | None = None):
        from clickpy.unikernel import vm
        name = describe(config, yaml)
        spec = image_spec(config, yaml, dict(definitions or {}))
        check_image(graph, spec, name)
        reads, writes = devices(graph)
        self.inputs = tuple(sorted(reads - {HOST}))
        self.outputs = tuple(sorted(writes - {HOST}))
        self.missing = {}
        if HOST in writes:
            self.missing[HOST] = (f"the image replaces ToHost by {spec.replace.get('ToHost')} "
                                  "(an image has no host stack)")
        image = build_image(spec)
        self.vm = None
        self._mirror = None
        self.ports = {dev: None for dev in spec.devices}
        try:
            for dev in spec.devices:
                self.ports[dev] = TapPort()
            self.vm = vm.boot(image, {d: p.tap for d, p in self.ports.items()},
                              name=f"cpt{os.getpid()}-{next(_counter)}",
                              accel=os.environ.get("CLICKPY_TEST_ACCEL") or None,
                              timeout=BOOT_TIMEOUT)
            for p in self.ports.values():
                p.move()
        except BaseException:
            self.close()
            raise
        log.info("image mode: %s booted as %s", image, self.vm.name)

    @property
    def now(self) -> int:
        return time.time_ns()

    @property
    def mirror(self):
        if self._mirror is None:
            from clickpy.unikernel.control import Mirror
            self._mirror = Mirror(self.vm)
        return self._mirror

    # ---- ports ---------------------------------------------------------------------------
    def send(self, port, frames):
        if port not in self.inputs:
            raise KeyError(f"no input port {port!r} (input ports: {', '.join(self.inputs)})")
        for _, f in frames:
            check_wire_frame(self.mode, f)
        peer = self.ports[port].peer
        for _, f in frames:
            try:
                peer.send(f)
            except OSError as e:
                raise ValueError(f"{port}: the tap refused a {len(f)}-byte frame: "
                                 f"{e.strerror}") from None
            self._poll()

    def receive(self, port):
        if port not in self.outputs:
            raise KeyError(f"no output port {port!r} (output ports: {', '.join(self.outputs)})")
        return self.ports[port].peer.take()

    # ---- time ----------------------------------------------------------------------------
    def _poll(self) -> int:
        return sum(p.peer.drain() for p in self.ports.values())

    def settle(self, idle_rounds: int = 0) -> None:
        """Until no frame arrived for QUIET seconds (the image runs on its own)."""
        self._alive()
        wait_quiet(self._poll, QUIET, LIMIT)

    def advance(self, seconds: float) -> None:
        """Real time: the image runs for `seconds` while its frames are collected."""
        wait_quiet(self._poll, QUIET, LIMIT, deadline=time.monotonic() + seconds)

    def _alive(self) -> None:
        if not self.vm.alive():
            console = self.vm.console_text().decode(errors="replace").strip()
            raise RuntimeError(f"the image {self.vm.name} stopped; its console:\n{console[-2000:]}")

    # ---- control -------------------------------------------------------------------------
    def read(self, element, handler):
        return self.mirror.handler(element, handler, None)

    def write(self, element, handler, value=""):
        self.mirror.handler(element, handler, value)

    def account(self):
        return self.mirror.account()

    def close(self):
        from clickpy.unikernel import vm
        try:
            if self.vm is not None:
                vm.stop(self.vm)
                self.vm = None
        finally:
            for p in self.ports.values():
                if p is not None:
                    p.close()
            self.ports = {}
