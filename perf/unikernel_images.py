"""Unikernel images, standalone (root): size, boot to first forwarded packet, memory, rate, density.

Builds vnf_images/router.yaml, then boots it N times between two taps (root
namespace, IPv6 off, so the host sends nothing of its own on them) and times,
from QEMU's start: the guest's "ready" console line, and the first UDP frame
forwarded onto the far tap (the sender repeats a frame every millisecond;
the router's ARP query for the next hop is answered as soon as it appears).
Then one image forwards a blast of 64-byte frames for a few seconds, the
same router runs as a process (`clickpy run` over veth pairs in namespaces)
under the same sender, and N images run at once (density).
Needs root, qemu-system-x86_64 and gcc.  `python3 -m perf` runs it as its
`unikernel` entry (measure(quick=...)).

Run:  python3 -m perf.unikernel_images [--boots 20] [--seconds 3] [--density 8] [--tcg]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from clickpy.unikernel import vm
from clickpy.unikernel.manifest import memory_mib

log = logging.getLogger(__name__)

R0, R1, HA, HB = "00:00:0a:00:01:01", "00:00:0a:00:02:01", "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def tap(name: str) -> socket.socket:
    subprocess.run(["ip", "tuntap", "add", "dev", name, "mode", "tap"], check=True)
    subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{name}.disable_ipv6=1"], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((name, 0))
    s.setblocking(False)
    return s


def frames():
    from scapy.all import ARP, IP, UDP, Ether
    udp = bytes(Ether(dst=R0, src=HA) / IP(src="10.0.1.2", dst="10.0.2.2") / UDP(sport=1, dport=2)
                / (b"x" * 18))                      # 64 bytes
    reply = bytes(Ether(dst=R1, src=HB) / ARP(op=2, hwsrc=HB, psrc="10.0.2.2", hwdst=R1,
                                               pdst="10.0.2.1"))
    return udp, reply


def first_forward(image, a, b, ta, tb, accel, folder):
    """(ms to the ready line, ms to the first forwarded frame on b) for one boot."""
    udp, reply = frames()
    v = vm.VM("bench", folder)
    os.makedirs(folder, exist_ok=True)
    cmd = vm.command(image, v, [ta, tb], accel, "16M")
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = fwd = None
    last = 0.0
    try:
        while fwd is None and time.perf_counter() - t0 < 20:
            now = time.perf_counter()
            if ready is None and vm.READY in v.console_text():
                ready = now - t0
            if now - last > 0.001:
                try:
                    a.send(udp)
                except OSError:
                    pass                         # tap not attached yet
                last = now
            r, _, _ = select.select([b], [], [], 0.0005)
            while r:
                try:
                    data = b.recv(2048)
                except BlockingIOError:
                    break
                if data[12:14] == b"\x08\x06" and data[21] == 1:
                    b.send(reply)
                elif data[12:14] == b"\x08\x00":
                    fwd = time.perf_counter() - t0
                    break
    finally:
        p.terminate()
        p.wait()
    for s in (a, b):                              # drain what is left
        try:
            while s.recv(2048):
                pass
        except BlockingIOError:
            pass
    return (ready or float("nan")) * 1e3, (fwd or float("nan")) * 1e3


def resolve(a, b, udp, reply, timeout: float) -> bool:
    """Send the frame every 50 ms until it comes out on b (answering the router's ARP query
    for the next hop); False if it never does within timeout."""
    end = time.monotonic() + timeout
    last = 0.0
    while time.monotonic() < end:
        if time.monotonic() - last > 0.05:
            a.send(udp)
            last = time.monotonic()
        r, _, _ = select.select([b], [], [], 0.01)
        if r:
            data = b.recv(2048)
            if data[12:14] == b"\x08\x06":
                b.send(reply)
            elif data[12:14] == b"\x08\x00":
                return True
    return False


def drain(s) -> int:
    n = 0
    try:
        while True:
            s.recv(2048)
            n += 1
    except BlockingIOError:
        return n


def blast(a, b, udp, seconds: float) -> tuple[float, float]:
    """Offer 64-byte frames on a as fast as one Python sender can for `seconds`;
    (offered, forwarded) per second, forwarded counted on b."""
    drain(b)
    sent = got = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(64):
            try:
                a.send(udp)
                sent += 1
            except BlockingIOError:
                break
        got += drain(b)
    time.sleep(0.2)
    got += drain(b)
    return sent / seconds, got / seconds


def rate(image, a, b, ta, tb, accel, folder, seconds):
    """(offered, forwarded per second, QEMU RSS in kB) through one image between taps a and b."""
    udp, reply = frames()
    v = vm.VM("rate", folder)
    os.makedirs(folder, exist_ok=True)
    p = subprocess.Popen(vm.command(image, v, [ta, tb], accel, "16M"), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        if not resolve(a, b, udp, reply, 20):
            raise RuntimeError("the image forwarded nothing")
        rss = int(open(f"/proc/{p.pid}/status").read().split("VmRSS:")[1].split()[0])
        offered, forwarded = blast(a, b, udp, seconds)
    finally:
        p.terminate()
        p.wait()
    return offered, forwarded, rss


# The same router as a process: clickpy run configs/router.click in namespace r, between
# veth pairs to a and b (no addresses there: the sender and this loop are the only hosts).
PROCESS_TOPOLOGY = {
    "prefix": "ukproc",
    "namespaces": {"a": {"interfaces": {"a0": {"mac": HA}}},
                   "r": {"interfaces": {"eth0": {"mac": R0}, "eth1": {"mac": R1}},
                         "sysctls": {"net.ipv4.ip_forward": 0}},
                   "b": {"interfaces": {"b0": {"mac": HB}}}},
    "links": [["a:a0", "r:eth0"], ["r:eth1", "b:b0"]],
}


def process_rate(seconds: float, start_timeout: float = 300) -> tuple[float, float]:
    """(offered, forwarded per second) through `clickpy run configs/router.click` over veth."""
    import signal

    from clickpy.netns import Topology
    from clickpy.testing.wire import call_inside

    def bound(dev):
        def make():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((dev, 0))
            s.setblocking(False)
            return s
        return make

    udp, reply = frames()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with Topology(PROCESS_TOPOLOGY) as topo:
        a = call_inside(topo.ns("a"), bound("a0"))
        b = call_inside(topo.ns("b"), bound("b0"))
        try:
            p = topo.popen("r", [sys.executable, "-m", "clickpy", "run", "--quiet",
                                 os.path.join(root, "configs", "router.click")],
                           cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # until the router forwards (its first start compiles: minutes with cold caches)
            if not resolve(a, b, udp, reply, start_timeout):
                p.kill()
                err = p.communicate()[1].decode(errors="replace").strip()
                raise RuntimeError(f"clickpy run forwarded nothing: {err[-500:]}")
            offered, forwarded = blast(a, b, udp, seconds)
            p.send_signal(signal.SIGINT)
            try:
                p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
        finally:
            a.close()
            b.close()
    return offered, forwarded


def density(image, n, accel, folder):
    """Boot n router images at once, each on its own pair of taps; how many forward a frame,
    and QEMU's resident memory per instance (MB)."""
    udp, reply = frames()
    procs, socks, names = [], [], []
    try:
        for i in range(n):
            ta, tb = f"ukda{i}x{os.getpid() % 1000}", f"ukdb{i}x{os.getpid() % 1000}"
            names += [ta, tb]
            a, b = tap(ta), tap(tb)
            socks.append((a, b))
            v = vm.VM(f"d{i}", os.path.join(folder, f"d{i}"))
            os.makedirs(v.folder)
            procs.append((v, subprocess.Popen(vm.command(image, v, [ta, tb], accel, "16M"),
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)))
        for v, _ in procs:
            end = time.monotonic() + 30
            while vm.READY not in v.console_text() and time.monotonic() < end:
                time.sleep(0.01)
        ok = 0
        for a, b in socks:
            a.send(udp)
            end = time.monotonic() + 10
            while time.monotonic() < end:
                r, _, _ = select.select([b], [], [], 0.05)
                if not r:
                    continue
                data = b.recv(2048)
                if data[12:14] == b"\x08\x06":
                    b.send(reply)
                elif data[12:14] == b"\x08\x00":
                    ok += 1
                    break
        rss = [int(open(f"/proc/{p.pid}/status").read().split("VmRSS:")[1].split()[0])
               for _, p in procs]
        return ok, statistics.mean(rss) / 1024
    finally:
        for _, p in procs:
            p.terminate()
            p.wait()
        for a, b in socks:
            a.close()
            b.close()
        for t_ in names:
            subprocess.run(["ip", "link", "del", t_], capture_output=True)


@dataclass
class Figures:
    """What one measure() run found; times in ms, rates per second, memory in MB."""
    accel: str
    build_s: float
    image_bytes: int
    guest_mb: int
    ready_ms: list[float]
    forward_ms: list[float]
    vm_offered: float
    vm_forwarded: float
    qemu_rss_mb: float
    process_offered: float | None = None
    process_forwarded: float | None = None
    process_skipped: str | None = None
    density: int = 0
    density_ok: int = 0
    density_rss_mb: float = 0.0


QUICK = {"boots": 3, "seconds": 0.5, "density": 2}
FULL = {"boots": 20, "seconds": 3.0, "density": 8}


def measure(quick: bool = False, boots: int | None = None, seconds: float | None = None,
            density_n: int | None = None, accel: str | None = None,
            process: bool = True) -> Figures:
    """Build the router image and measure it (root, QEMU, gcc); quick: 3 boots, half-second
    rates, 2 images at once.  accel None: KVM when /dev/kvm opens, else TCG."""
    sizes = QUICK if quick else FULL
    boots = sizes["boots"] if boots is None else boots
    seconds = sizes["seconds"] if seconds is None else seconds
    density_n = sizes["density"] if density_n is None else density_n
    accel = accel or ("kvm" if vm.kvm_usable() else "tcg")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # VM folders hold each guest's RAM file: on tmpfs, as /run/clickpy is for clickpy boot
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir=shm) as vms:
        image = os.path.join(tmp, "router.elf")
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "clickpy", "build", "vnf_images/router.yaml",
                            "-o", image], capture_output=True, text=True, cwd=root)
        if r.returncode:
            raise RuntimeError(f"clickpy build failed: {r.stderr.strip()}")
        build_s = time.perf_counter() - t
        log.info("%s", r.stdout.strip())
        with open(image + ".json") as f:
            guest_mb = memory_mib(json.load(f)["spec"]["memory"])
        ta, tb = f"ukba{os.getpid() % 10000}", f"ukbb{os.getpid() % 10000}"
        socks = []
        try:
            socks += [tap(ta), tap(tb)]
            a, b = socks
            runs = [first_forward(image, a, b, ta, tb, accel, os.path.join(vms, f"b{i}"))
                    for i in range(boots)]
            offered, forwarded, rss = rate(image, a, b, ta, tb, accel, os.path.join(vms, "r"),
                                           seconds)
        finally:
            for s_ in socks:
                s_.close()
            for t_ in (ta, tb):
                subprocess.run(["ip", "link", "del", t_], capture_output=True)
        fig = Figures(accel, build_s, os.path.getsize(image), guest_mb, [x for x, _ in runs],
                      [y for _, y in runs], offered, forwarded, rss / 1024)
        if process:
            from clickpy.netns import available
            fig.process_skipped = available()
            if fig.process_skipped is None:
                from clickpy.netns import TopologyError
                try:
                    fig.process_offered, fig.process_forwarded = process_rate(seconds)
                except (RuntimeError, TopologyError) as e:   # the VM's figures still count
                    log.error("process mode: %s", e)
                    fig.process_skipped = f"failed: {e}"
        if density_n:
            fig.density = density_n
            fig.density_ok, fig.density_rss_mb = density(image, density_n, accel,
                                                         os.path.join(vms, "density"))
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boots", type=int, default=FULL["boots"])
    ap.add_argument("--seconds", type=float, default=FULL["seconds"])
    ap.add_argument("--tcg", action="store_true", help="use TCG even when KVM works")
    ap.add_argument("--density", type=int, default=FULL["density"], metavar="N",
                    help="also boot N images at once (0: skip)")
    ap.add_argument("--no-process", action="store_true",
                    help="skip the same router as a clickpy run process over veth pairs")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    try:
        f = measure(boots=args.boots, seconds=args.seconds, density_n=args.density,
                    accel="tcg" if args.tcg else None, process=not args.no_process)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"perf.unikernel_images: {e}", file=sys.stderr)
        return 1
    print(f"build: {f.build_s:.1f} s")
    print(f"image size: {f.image_bytes} bytes (target < 131072)")
    print(f"boot ({f.accel}, {f.guest_mb} MB guest), median of {len(f.forward_ms)}: ready line "
          f"{statistics.median(f.ready_ms):.1f} ms, first forwarded frame "
          f"{statistics.median(f.forward_ms):.1f} ms (min {min(f.forward_ms):.1f}, "
          f"max {max(f.forward_ms):.1f}; target < 50 ms)")
    print(f"forwarding through the VM over taps, 64-byte frames: offered "
          f"{f.vm_offered / 1e3:.1f} kpps, forwarded {f.vm_forwarded / 1e3:.1f} kpps; "
          f"QEMU RSS {f.qemu_rss_mb:.1f} MB")
    if f.process_forwarded is not None:
        print(f"the same router as a process (clickpy run over veth): offered "
              f"{f.process_offered / 1e3:.1f} kpps, forwarded {f.process_forwarded / 1e3:.1f} kpps")
    elif f.process_skipped:
        print(f"process mode not measured: {f.process_skipped}")
    if f.density:
        print(f"density: {f.density} router images at once, {f.density_ok} forwarded their "
              f"frame; QEMU RSS {f.density_rss_mb:.1f} MB per instance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
