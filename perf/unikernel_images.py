"""Unikernel images, standalone (root): size, boot to first forwarded packet, memory, rate, density.

Builds vnf_images/router.yaml, then boots it N times between two taps (root
namespace, IPv6 off, so the host sends nothing of its own on them) and times,
from QEMU's start: the guest's "ready" console line, and the first UDP frame
forwarded onto the far tap (the sender repeats a frame every millisecond;
the router's ARP query for the next hop is answered as soon as it appears).
Then one image forwards a blast of 64-byte frames for a few seconds, and
N images run at once (density).
Needs root, qemu-system-x86_64 and gcc.

Run:  python3 -m perf.unikernel [--boots 20] [--seconds 3] [--density 8] [--tcg]
"""
from __future__ import annotations

import argparse
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from clickpy.unikernel import vm

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


def rate(image, a, b, ta, tb, accel, folder, seconds):
    udp, reply = frames()
    v = vm.VM("rate", folder)
    os.makedirs(folder, exist_ok=True)
    p = subprocess.Popen(vm.command(image, v, [ta, tb], accel, "16M"), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        while vm.READY not in v.console_text():
            time.sleep(0.005)
        a.send(udp)
        end = time.monotonic() + 5
        while time.monotonic() < end:             # resolve the next hop first
            r, _, _ = select.select([b], [], [], 0.05)
            if r:
                data = b.recv(2048)
                if data[12:14] == b"\x08\x06":
                    b.send(reply)
                elif data[12:14] == b"\x08\x00":
                    break
        rss = int(open(f"/proc/{p.pid}/status").read().split("VmRSS:")[1].split()[0])
        sent = got = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for _ in range(64):
                try:
                    a.send(udp)
                    sent += 1
                except BlockingIOError:
                    break
            try:
                while True:
                    b.recv(2048)
                    got += 1
            except BlockingIOError:
                pass
        time.sleep(0.2)
        try:
            while True:
                b.recv(2048)
                got += 1
        except BlockingIOError:
            pass
    finally:
        p.terminate()
        p.wait()
    return sent / seconds, got / seconds, rss


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boots", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--tcg", action="store_true", help="use TCG even when KVM works")
    ap.add_argument("--density", type=int, default=8, metavar="N",
                    help="also boot N images at once (0: skip)")
    args = ap.parse_args(argv)
    accel = "tcg" if args.tcg or not vm.kvm_usable() else "kvm"
    # VM folders hold each guest's RAM file: on tmpfs, as /run/clickpy is for clickpy boot
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir=shm) as vms:
        image = os.path.join(tmp, "router.elf")
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "clickpy", "build", "vnf_images/router.yaml",
                            "-o", image], capture_output=True, text=True)
        if r.returncode:
            print(r.stderr, file=sys.stderr)
            return 1
        print(f"build: {time.perf_counter() - t:.1f} s; {r.stdout.strip()}")
        print(f"image size: {os.path.getsize(image)} bytes (target < 131072)")
        ta, tb = f"ukba{os.getpid() % 10000}", f"ukbb{os.getpid() % 10000}"
        a, b = tap(ta), tap(tb)
        try:
            runs = [first_forward(image, a, b, ta, tb, accel, os.path.join(vms, f"b{i}"))
                    for i in range(args.boots)]
            ready = [x for x, _ in runs]
            fwd = [y for _, y in runs]
            print(f"boot ({accel}, 16 MB guest), median of {len(runs)}: ready line "
                  f"{statistics.median(ready):.1f} ms, first forwarded frame "
                  f"{statistics.median(fwd):.1f} ms (min {min(fwd):.1f}, max {max(fwd):.1f}; "
                  f"target < 50 ms)")
            offered, forwarded, rss = rate(image, a, b, ta, tb, accel, os.path.join(vms, "r"),
                                           args.seconds)
            print(f"forwarding through the VM over taps, 64-byte frames: offered "
                  f"{offered / 1e3:.1f} kpps, forwarded {forwarded / 1e3:.1f} kpps; "
                  f"QEMU RSS {rss / 1024:.1f} MB")
        finally:
            a.close()
            b.close()
            for t_ in (ta, tb):
                subprocess.run(["ip", "link", "del", t_], capture_output=True)
        if args.density:
            ok, mb = density(image, args.density, accel, os.path.join(vms, "density"))
            print(f"density: {args.density} router images at once, {ok} forwarded their frame; "
                  f"QEMU RSS {mb:.1f} MB per instance (each guest polls: one busy vCPU each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
