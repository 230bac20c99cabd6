"""IPv4 forwarding path, in memory, one core: clickpy against baselines in the same run.

The path of the issue: CheckIPHeader -> DecIPTTL -> IPFilter (10 rules) ->
RadixIPLookup (5 routes) -> EtherEncap -> Counter, on 64-byte frames.
Measured side by side:
  clickpy        the path as a Click configuration, compiled (InfiniteSource feeds it,
                 Discard ends it; so each packet also pays a pool slot, a copy of its
                 64 bytes, and its release)
  fused numba    the same work hand-written as one numba loop over a packet array:
                 the practical ceiling
  pure Python    the same work on bytes objects, one packet at a time
  pcap -> pcap   the clickpy path from FromDump to ToDump: the trace is read into
                 memory when the configuration starts (not timed); writing the
                 output file is part of the timed loop

Run:  python3 -m perf.ipv4_path [--seconds S]   (this module alone, as before)
      python3 -m perf --only ipv4_path          (in the suite: 64 B and IMIX traces,
                                                 next to pure Python, scapy and the fused loop)
"""
from __future__ import annotations

import argparse
import os
import statistics
import struct
import tempfile
import time

import numpy as np
from numba import njit

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router
from clickpy.traffic import mac, udp_frame

FRAME = udp_frame(mac("02:00:00:00:01:02"), mac("00:00:0a:00:01:01"), "10.0.1.2", "10.0.2.2", 64)
RULES = ("deny src net 192.168.0.0/16", "deny src net 172.16.0.0/12", "deny tcp dst port 23",
         "deny tcp dst port 445", "deny udp dst port 137", "deny dst net 224.0.0.0/4",
         "deny src host 10.0.1.66", "allow udp && dst port 5678", "allow tcp && dst port 80",
         "deny all")
ROUTES = ("10.0.1.0/24 0", "10.0.2.0/24 0", "10.0.3.0/24 0", "192.0.2.0/24 0", "0.0.0.0/0 0")
PATH = ("-> Strip(14) -> CheckIPHeader -> dt :: DecIPTTL -> IPFilter({rules}) "
        "-> RadixIPLookup({routes}) -> EtherEncap(0x0800, 00:00:0a:00:02:01, 02:00:00:00:02:02) "
        "-> c :: Counter -> Discard; dt[1] -> Discard;")


def config(source: str) -> str:
    return source + " " + PATH.format(rules=", ".join(RULES), routes=", ".join(ROUTES))


def compiled(text: str, batch: int = 1024) -> Router:
    result = check_graph(build_graph(parse_text(text, "bench.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph, batch=batch)


def bench_clickpy(seconds: float) -> list[float]:
    hexdata = FRAME.hex()
    r = compiled(config(f"InfiniteSource(DATA \\<{hexdata}>, LIMIT -1, BURST 1024)"))
    r.step()  # compile / load
    rates = []
    for _ in range(5):
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < seconds / 5:
            n += r.step()
        dt = time.perf_counter() - t
        rates.append(n / dt / 1e6)
    assert int(r.read("c", "count")) > 0
    return rates


# ---- the same work, fused by hand --------------------------------------------
def _tables():
    # rules as (src, smask, dst, dmask, proto, dport, action) with 0 = wildcard
    def net(t):
        a, _, l = t.partition("/")
        v = struct.unpack("!I", bytes(int(x) for x in a.split(".")))[0]
        m = (0xFFFFFFFF << (32 - int(l))) & 0xFFFFFFFF if l else 0xFFFFFFFF
        return v, m
    r = np.zeros((10, 7), dtype=np.int64)
    r[0, 0:2] = net("192.168.0.0/16")
    r[1, 0:2] = net("172.16.0.0/12")
    r[2, 4:7] = (6, 23, 0)
    r[3, 4:7] = (6, 445, 0)
    r[4, 4:7] = (17, 137, 0)
    r[5, 2:4] = net("224.0.0.0/4")
    r[6, 0:2] = net("10.0.1.66/32")
    r[7, 4:7] = (17, 5678, 1)
    r[8, 4:7] = (6, 80, 1)
    r[9, 6] = 0
    routes = np.array([net(x.split()[0]) for x in ROUTES], dtype=np.int64)
    return r, routes


@njit(cache=True)
def fused(pkts, lens, n, rules, routes, counter):
    out = 0
    for i in range(n):
        ln = lens[i]
        if ln < 34:
            continue
        b = pkts[i]
        ip = 14
        if (b[ip] >> 4) != 4:
            continue
        hl = (b[ip] & 15) * 4
        tot = (np.int64(b[ip + 2]) << 8) | b[ip + 3]
        if hl < 20 or tot < hl or tot > ln - 14:
            continue
        s = 0
        for j in range(ip, ip + hl, 2):
            s += (np.int64(b[j]) << 8) | b[j + 1]
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        if s != 0xFFFF:
            continue
        ttl = b[ip + 8]
        if ttl <= 1:
            continue
        b[ip + 8] = ttl - 1
        c = ((np.int64(b[ip + 10]) << 8) | b[ip + 11]) + 0x100
        c = (c & 0xFFFF) + (c >> 16)
        b[ip + 10] = c >> 8
        b[ip + 11] = c & 0xFF
        src = (np.int64(b[ip + 12]) << 24) | (np.int64(b[ip + 13]) << 16) | (np.int64(b[ip + 14]) << 8) | b[ip + 15]
        dst = (np.int64(b[ip + 16]) << 24) | (np.int64(b[ip + 17]) << 16) | (np.int64(b[ip + 18]) << 8) | b[ip + 19]
        proto = b[ip + 9]
        dport = (np.int64(b[ip + hl + 2]) << 8) | b[ip + hl + 3]
        allow = 0
        for r in range(rules.shape[0]):
            if rules[r, 1] and (src & rules[r, 1]) != rules[r, 0]:
                continue
            if rules[r, 3] and (dst & rules[r, 3]) != rules[r, 2]:
                continue
            if rules[r, 4] and (proto != rules[r, 4] or dport != rules[r, 5]):
                continue
            allow = rules[r, 6]
            break
        if not allow:
            continue
        best = -1
        bestlen = -1
        for r in range(routes.shape[0]):
            m = routes[r, 1]
            if (dst & m) == routes[r, 0]:
                l = 0
                while l < 32 and (m << l) & 0x80000000:
                    l += 1
                if l > bestlen:
                    best, bestlen = r, l
        if best < 0:
            continue
        for j in range(12):  # new Ethernet addresses (EtherEncap after Strip)
            b[j] = j
        counter[0] += 1
        counter[1] += ln
        out += 1
    return out


def bench_fused(seconds: float) -> list[float]:
    n = 1024
    pkts = np.zeros((n, 2048), dtype=np.uint8)
    lens = np.full(n, len(FRAME), dtype=np.int64)
    rules, routes = _tables()
    counter = np.zeros(2, dtype=np.int64)
    frame = np.frombuffer(FRAME, dtype=np.uint8)
    fused(pkts, lens, n, rules, routes, counter)  # compile
    rates = []
    for _ in range(5):
        t = time.perf_counter()
        done = 0
        while time.perf_counter() - t < seconds / 5:
            pkts[:, :len(FRAME)] = frame  # fresh packets each batch, as the source gives
            done += fused(pkts, lens, n, rules, routes, counter)
        rates.append(done / (time.perf_counter() - t) / 1e6)
    return rates


# ---- the same work in plain Python ---------------------------------------------
def python_path(frame: bytes, rules, routes) -> bytes | None:
    if len(frame) < 34:
        return None
    ip = bytearray(frame[14:])
    if ip[0] >> 4 != 4:
        return None
    hl = (ip[0] & 15) * 4
    if hl < 20 or len(ip) < hl:
        return None
    s = sum(struct.unpack(f"!{hl // 2}H", bytes(ip[:hl])))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    if s != 0xFFFF or ip[8] <= 1:
        return None
    ip[8] -= 1
    c = struct.unpack("!H", ip[10:12])[0] + 0x100
    c = (c & 0xFFFF) + (c >> 16)
    ip[10:12] = struct.pack("!H", c)
    src, dst = struct.unpack("!II", bytes(ip[12:20]))
    dport = struct.unpack("!H", bytes(ip[hl + 2:hl + 4]))[0]
    allow = 0
    for r in rules:
        if r[1] and src & r[1] != r[0]:
            continue
        if r[3] and dst & r[3] != r[2]:
            continue
        if r[4] and (ip[9] != r[4] or dport != r[5]):
            continue
        allow = r[6]
        break
    if not allow:
        return None
    best = max(((bin(m).count("1"), i) for i, (v, m) in enumerate(routes) if dst & m == v),
               default=None)
    if best is None:
        return None
    return bytes(range(12)) + b"\x08\x00" + bytes(ip)


def bench_python(seconds: float) -> list[float]:
    rules, routes = _tables()
    rules, routes = [tuple(int(x) for x in r) for r in rules], [tuple(int(x) for x in r) for r in routes]
    rates = []
    for _ in range(5):
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < seconds / 5:
            for _ in range(1000):
                python_path(FRAME, rules, routes)
            n += 1000
        rates.append(n / (time.perf_counter() - t) / 1e6)
    return rates


def bench_pcap(packets: int) -> list[float]:
    from clickpy.pcap import write_pcap
    folder = tempfile.mkdtemp(prefix="clickpy-bench-")
    src, dst = os.path.join(folder, "in.pcap"), os.path.join(folder, "out.pcap")
    write_pcap(src, [FRAME] * packets)
    rates = []
    for _ in range(3):
        r = compiled(config(f"FromDump({src}, STOP true)").replace(
            "-> c :: Counter -> Discard;", f"-> c :: Counter -> ToDump({dst});"))
        r.step(1)
        t = time.perf_counter()
        n = 1
        while not r.stopped:
            n += r.step(4096)
        dt = time.perf_counter() - t
        r.close()
        rates.append(n / dt / 1e6)
    return rates


def report(name: str, rates: list[float], base: float | None) -> str:
    med = statistics.median(rates)
    spread = f"{min(rates):.2f}-{max(rates):.2f}"
    ratio = f"{med / base:6.2f}x" if base else "      "
    return f"{name:<34} {med:8.2f} Mpps  (5 runs {spread})  {ratio}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    ap.add_argument("--pcap-packets", type=int, default=1_000_000)
    args = ap.parse_args()
    py = bench_python(args.seconds)
    base = statistics.median(py)
    print("IPv4 path, 64-byte frames, one core (ratios against pure Python)")
    print(report("pure Python (baseline)", py, base))
    print(report("clickpy compiled", bench_clickpy(args.seconds), base))
    print(report("fused numba loop (ceiling)", bench_fused(args.seconds), base))
    print(report("clickpy pcap -> path -> pcap", bench_pcap(args.pcap_packets), base))


if __name__ == "__main__":
    main()


# ---- in the suite (python3 -m perf) ----------------------------------------------------------
def suite_config() -> str:
    """The path fed by device eth0; the Counter `c` counts what leaves."""
    return config("FromDevice(eth0)")


def _fused_trace(work, ctx):
    from perf.baselines.fused.common import load, rates, refill
    pkts, lens, _ = load(work.interleaved("main"))
    n = len(lens)
    fresh = pkts.copy()
    rules, routes = _tables()
    counter = np.zeros(2, dtype=np.int64)
    forwarded = fused(pkts, lens, n, rules, routes, counter)
    refill(pkts, fresh, lens)
    return rates(ctx, pkts, fresh, lens, lambda: fused(pkts, lens, n, rules, routes, counter)), \
        {"eth1": int(forwarded)}


def _register():
    from perf import harness, workloads
    from perf.measure import Result
    from perf.middleboxes import compare, python_rate, scapy_rate
    from perf.registry import benchmark

    @benchmark("ipv4_path", "IPv4 path (CheckIPHeader, DecIPTTL, IPFilter 10 rules, "
               "RadixIPLookup 5 routes, EtherEncap): in memory, one core")
    def run(ctx):
        res = Result(plot="bars")
        graph = harness.load(suite_config(), text=True)
        for kind in workloads.SIZES:
            work = workloads.ipv4_path(kind, ctx.packets)
            box = harness.Box(graph, work)
            try:
                box.setup()
                box.play("main")
                ours = {"eth1": box.count("c")}
                runs = [n / dt / 1e6 for n, dt in (box.loop(ctx.seconds) for _ in range(ctx.repeats))]
            finally:
                box.close()
            case = f"ipv4_path {kind}"
            res.add(case, "clickpy", "Mpps", runs, start_s=round(box.start_seconds, 2))
            py_runs, py_counts = python_rate("ipv4_path", work, ctx)
            compare("ipv4_path", kind, ours, py_counts, "pure Python", res)
            res.add(case, "pure Python", "Mpps", py_runs)
            sc_runs, n = scapy_rate("ipv4_path", work, ctx, res, kind)
            res.add(case, "scapy pipetool", "Mpps", sc_runs, packets=n)
            f_runs, f_counts = _fused_trace(work, ctx)
            compare("ipv4_path", kind, ours, f_counts, "fused numba", res)
            res.add(case, "fused numba (ceiling)", "Mpps", f_runs)
            res.notes.append(f"ipv4_path {kind}: {work.notes}; {work.count()} distinct frames looped")
        return res


if __name__ != "__main__":
    _register()
