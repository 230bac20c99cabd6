"""Forwarding between real interfaces: clickpy's router per ring type against Linux's ip_forward.

Topology labs/router.yaml: a (sender) <-> r (the forwarder) <-> b (sink).
In the same run and the same namespaces, r forwards first with clickpy
(`python3 -m clickpy run configs/router.click METHOD=...`, once per ring type:
AFPACKET rings with r's own stack kept out by a tcx drop on eth0's ingress,
as FromDevice SNIFFER false does, and AFXDP sockets, whose XDP program keeps
the frames from the stack anyway), then with Linux (addresses on r's
interfaces, net.ipv4.ip_forward=1, static neighbour for b).  b drops everything
at its tcx ingress after packet sockets have seen it; b0's receive counter
(veth counts at transmit) measures what was forwarded.  That is the cheapest
sink a veth has (an XDP drop program on b0 costs more: veth then converts each
frame for XDP; in a one-off test a one-core ring blaster reached 723-834 kpps
into it against 944-998 into the tcx drop), but veth receives a frame on the
CPU that transmits it: b's receive runs in the forwarder's send call (a third
of the AFPACKET forwarder's CPU in a perf profile), and in the sender's
softirq when Linux forwards.

Measured per forwarder:
  low-rate latency   one-way, sender a -> catcher on b0, PROBE_PPS timestamped frames
  throughput         64-byte UDP frames from one sender core (PACKET_MMAP TX ring in a):
                     offered (a0 tx), forwarded (b0 rx), loss; latency probes run alongside
and once per run:
  transmit alone     r itself blasts into b from the forwarder's CPU, with the sender's
                     ring: the most a forwarder sending through a packet socket could
                     forward on that core (2026-12-07: 913 kpps, 1.09 us a frame, while
                     the AFPACKET forwarder took 1.53 us a frame and the sender 1.30)

CPUs: the sender and the other peers (probes, catcher) are pinned to the last
CPU this process may use.  When every worker can have a CPU of its own beside
the sender's, clickpy runs with -a (worker w on the w-th CPU), so that the
scheduler neither stacks the sender on a worker's CPU nor moves either: on 2
CPUs, one worker (medians of 3, 2026-12-07: AFPACKET w1 696 kpps and AFXDP w1
653 pinned at 21:10 UTC, 608 and 555 not pinned at 12:24; the forwarder waited
0.04 s in 5 s for a CPU, against 0.16-0.25 s).  Two workers on 2 CPUs share one
with the sender whatever is done; pinned, AFXDP w2 forwarded 315 kpps against
557 left to the scheduler, so they are not pinned.  Linux's forwarding runs in
the sender's softirq, on the sender's CPU.

With --method AFPACKET AFXDP and --workers 1 2 (the defaults), clickpy
forwards once per ring type and worker count (`clickpy run --workers N`);
the throughput sender cycles FLOWS UDP flows (source ports), so the fanout
(AFPACKET) and the veth's transmit queue choice (AFXDP: worker w reads the
queues q % N == w) have flows to spread.  When AFXDP runs with more than one
worker, every veth of the topology gets as many queues as the most workers
asked for (AF_XDP needs a queue per worker), for every run, Linux's too.
From Python: run(methods, worker_counts, seconds, quick) measures them all
and Linux, and returns the figures; clickpy_forwarding(topo, seconds,
workers=2, method="AFXDP") measures one clickpy run.

Run (root):  python3 -m perf.netdev [--seconds S] [--batch N] [--nice -10] [--workers 1 2]
                                    [--method AFPACKET AFXDP]
The machine's other load shows in the figures: note it with them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

from clickpy import netns
from clickpy.traffic import mac, udp_frame

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R0, R1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"
A, B = "02:00:00:00:01:02", "02:00:00:00:02:02"
FLOWS = 16
FRAMES = [udp_frame(mac(A), mac(R0), "10.0.1.2", "10.0.2.2", 60, sport=1024 + i, dport=9)
          for i in range(FLOWS)]                                                # 64 B with FCS
PROBE = udp_frame(mac(A), mac(R0), "10.0.1.2", "10.0.2.2", 60, dport=7777)
PROBE_PPS = 200


def sender_cpu() -> int:
    """The CPU of the sender and the other peers: the last this process may use."""
    return max(os.sched_getaffinity(0))


def forwarder_cpu() -> int:
    """The CPU of a pinned one-worker forwarder (clickpy run -a: the first it may use)."""
    return min(os.sched_getaffinity(0))


def peer(topo, ns, *argv, cpu=None, **kw):
    p = topo.popen(ns, [sys.executable, "-m", "perf.netpeer", *argv], cwd=ROOT,
                   stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, **kw)
    # `ip netns exec` execs the peer itself
    os.sched_setaffinity(p.pid, {sender_cpu() if cpu is None else cpu})
    return p


def hold_drop(topo, ns, dev):
    p = peer(topo, ns, "hold-drop", dev)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError(f"could not attach the ingress drop on {ns}:{dev}")
    return p


def release(p):
    p.stdin.close()
    p.wait(10)


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def latency(topo, seconds):
    catcher = peer(topo, "b", "catch", "b0", str(seconds + 1.5))
    assert catcher.stdout.readline().strip() == "ready"
    topo.run("a", [sys.executable, "-m", "perf.netpeer", "probe", "a0", str(seconds),
                   str(PROBE_PPS), PROBE.hex()], cwd=ROOT, timeout=seconds + 60)
    lat = json.loads(catcher.communicate(timeout=30)[0].strip().splitlines()[-1])
    return {"probes": len(lat), "median_us": statistics.median(lat) / 1e3 if lat else None,
            "p99_us": percentile(lat, 0.99) / 1e3 if lat else None}


def cpu_seconds(pid):
    """(CPU seconds run, seconds spent runnable but waiting for a CPU) of a process so far."""
    with open(f"/proc/{pid}/schedstat") as f:
        run, wait, _ = f.read().split()
    return int(run) / 1e9, int(wait) / 1e9


def throughput(topo, seconds, forwarder_pids=(), slack=4.0):
    """Blast 64-byte frames from a for `seconds`: rates, loss, CPU, latency under load.
    slack: how long past the blast the catcher of latency probes listens."""
    links = (("a", "a0"), ("b", "b0"), ("r", "eth0"))
    catcher = peer(topo, "b", "catch", "b0", str(seconds + slack))
    assert catcher.stdout.readline().strip() == "ready"
    # Started (Python and numba imported) before the blast: not on a busy forwarder's CPU.
    probes = peer(topo, "a", "probe", "a0", str(max(1.0, seconds - 2)), "100", PROBE.hex(),
                  "--wait")
    assert probes.stdout.readline().strip() == "ready"
    blaster = peer(topo, "a", "blast", "a0", str(seconds), *(f.hex() for f in FRAMES))
    assert blaster.stdout.readline().strip() == "ready"     # compiled, not sending yet
    # Counters read before the first frame: none is in flight between a0 and b0.
    a0, b0, r0 = (topo.link_stats(ns, d) for ns, d in links)
    c0 = _cpu(forwarder_pids)
    for p in (blaster, probes):
        p.stdin.write("go\n")
        p.stdin.flush()
    blast = json.loads(blaster.communicate(timeout=seconds + 60)[0].strip().splitlines()[-1])
    dt = blast["seconds"]
    c1 = _cpu(forwarder_pids)
    time.sleep(0.5)                                    # frames still in rings and backlogs
    a1, b1, r1 = (topo.link_stats(ns, d) for ns, d in links)
    probes.communicate(timeout=30)
    lat = json.loads(catcher.communicate(timeout=30)[0].strip().splitlines()[-1])
    sent = a1["tx_packets"] - a0["tx_packets"]
    got = b1["rx_packets"] - b0["rx_packets"]
    return {"seconds": round(dt, 2), "offered_pps": round(sent / dt),
            "forwarded_pps": round(got / dt),
            # b0 also gets the router's own frames (ARP queries): no negative loss
            "loss_pct": round(100 * max(sent - got, 0) / max(sent, 1), 2),
            "r_eth0_rx_dropped": r1["rx_dropped"] - r0["rx_dropped"],
            "sender_cpu_us_per_pkt": round(blast["cpu_s"] * 1e6 / max(sent, 1), 2),
            "forwarder_cpu_s": None if c0 is None else round(c1[0] - c0[0], 2),
            "forwarder_waited_for_cpu_s": None if c0 is None else round(c1[1] - c0[1], 2),
            "forwarder_cpu_us_per_pkt": None if c0 is None else round(
                (c1[0] - c0[0]) * 1e6 / max(got, 1), 2),
            "latency_median_us": statistics.median(lat) / 1e3 if lat else None,
            "latency_p99_us": percentile(lat, 0.99) / 1e3 if lat else None}


def transmit_alone(topo, seconds):
    """r itself blasts 64-byte frames from eth1 into b (dropping them, as in every run) with
    the sender's PACKET_MMAP ring, on the forwarder's CPU: the most a forwarder that
    transmits through a packet socket could forward on that core, before it receives or
    runs its graph.  The rate and CPU per frame, as a dict."""
    b_drop = hold_drop(topo, "b", "b0")
    try:
        frames = [udp_frame(mac(R1), mac(B), "10.0.1.2", "10.0.2.2", 60, sport=1024 + i, dport=9)
                  for i in range(FLOWS)]
        blaster = peer(topo, "r", "blast", "eth1", str(seconds), *(f.hex() for f in frames),
                       cpu=forwarder_cpu())
        assert blaster.stdout.readline().strip() == "ready"
        b0 = topo.link_stats("b", "b0")
        blaster.stdin.write("go\n")
        blaster.stdin.flush()
        blast = json.loads(blaster.communicate(timeout=seconds + 60)[0].strip().splitlines()[-1])
        time.sleep(0.5)
        got = topo.link_stats("b", "b0")["rx_packets"] - b0["rx_packets"]
    finally:
        release(b_drop)
    return {"seconds": round(blast["seconds"], 2), "pps": round(got / blast["seconds"]),
            "cpu_us_per_pkt": round(blast["cpu_s"] * 1e6 / max(got, 1), 2)}


def _cpu(pids):
    """Summed (CPU seconds, seconds waiting for a CPU) of the forwarder processes, or None."""
    if not pids:
        return None
    runs = [cpu_seconds(p) for p in pids]
    return sum(r for r, _ in runs), sum(w for _, w in runs)


def _children(pid):
    """The worker processes of a `clickpy run --workers` parent."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def clickpy_forwarding(topo, seconds, batch=64, nice=0, workers=1, method="AFPACKET",
                       low_rate_seconds=3.0, slack=4.0):
    """One clickpy run of configs/router.click (METHOD=method) in r: low-rate latency
    (none when low_rate_seconds is 0), throughput, account.

    Expects a (sender) and b (sink, ingress dropped) ready and r's eth0 ingress held
    dropped; returns the figures as a dict.
    """
    sys.path.insert(0, os.path.join(ROOT, "tests", "netdev"))
    from nettools import Middlebox, ping
    readers = [f"-h{n}.kernel_drops" for n in device_readers("configs/router.click")]
    pinned = ["-a"] if workers < len(os.sched_getaffinity(0)) else []   # CPUs to spare
    box = Middlebox(topo, "r", ["configs/router.click", f"METHOD={method}", "--batch",
                                str(batch), "--workers", str(workers), *pinned, *readers],
                    cwd=ROOT)
    pids = [box.p.pid] if workers == 1 else _children(box.p.pid)
    if nice:
        for pid in pids:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
    try:
        for _ in range(5):      # the first echoes wait for ARP (in every worker)
            if ping(topo, "a", "10.0.2.2", count=2).returncode == 0:
                break
        else:
            raise RuntimeError("no ping through clickpy's router")
        b_drop = hold_drop(topo, "b", "b0")
        try:
            low = latency(topo, low_rate_seconds) if low_rate_seconds else None
            high = throughput(topo, seconds, pids, slack)
        finally:
            release(b_drop)
    finally:
        rc, out, err = box.stop()
    lines = out.splitlines()
    return {"method": method, "workers": workers, "nice": nice, "pinned": bool(pinned),
            "low_rate": low,
            "throughput": high,
            "account": [line.strip() for line in lines if "dropped" in line or "forwarded" in line
                        or "balance" in line or "BALANCE" in line],
            "per_worker_in": re.findall(r"worker \d+ \d+", err.split("per worker:")[-1])
            if workers > 1 else None,
            "ring_drops": {lines[i][:-1]: lines[i + 1] for i, line in enumerate(lines[:-1])
                           if line.endswith(".kernel_drops:")}}


def device_readers(config):
    """Names of the configuration's FromDevice elements (anonymous ones get generated names)."""
    from clickpy.graph import build_graph
    from clickpy.lang import load_file
    g = build_graph(load_file(os.path.join(ROOT, config)))
    return sorted(n for n, d in g.nodes(data=True) if d.get("class_name") == "FromDevice")


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def label(method, workers, nice=0):
    """The row name of one clickpy run: "clickpy AFXDP w1" ("... nice -10" when niced)."""
    return f"clickpy {method} w{workers}" + (f" nice {nice}" if nice else "")


def run(methods=("AFPACKET", "AFXDP"), worker_counts=(1, 2), seconds=8.0, batch=64, nice=0,
        quick=False, extra_runs=()):
    """Measure clickpy's router once per ring type and worker count, then Linux's forwarding,
    in one topology; the figures as a dict ("runs": {label: figures}, "linux": ...).
    extra_runs: more clickpy runs after those, as (method, workers, nice).

    The veths get as many queues as the most workers an AFXDP run has, else
    one (labs/router.yaml as it is).  quick: no separate low-rate latency
    phase and short slack after each blast (latency probes still run under load), so
    two clickpy runs and Linux take about half a minute at seconds=2.
    """
    why = netns.available()
    if why:
        raise RuntimeError(f"perf.netdev: {why}")
    low_rate, slack = (0.0, 1.0) if quick else (3.0, 4.0)
    results = {"load_before": loadavg(), "cpus": os.cpu_count(), "seconds": seconds,
               "quick": quick, "runs": {}}
    topo = netns.Topology.load(os.path.join(ROOT, "labs", "router.yaml"), prefix="cpb")
    xdp_workers = (list(worker_counts) if "AFXDP" in methods else []) + [
        n for m, n, _ in extra_runs if m == "AFXDP"]
    queues = max(xdp_workers, default=1)
    if queues > 1:          # AF_XDP under --workers N: N queues on each interface at least
        spec = dict(topo.spec, links=[{"ends": link, "queues": queues}
                                      for link in topo.spec["links"]])
        topo = netns.Topology(spec, prefix="cpb")
    results["queues"] = queues
    with topo:
        # ---- clickpy, once per ring type and worker count
        r_drop = hold_drop(topo, "r", "eth0")
        try:
            runs = [(m, n, nice) for m in methods for n in worker_counts] + list(extra_runs)
            for method, n, level in runs:
                results["runs"][label(method, n, level)] = clickpy_forwarding(
                    topo, seconds, batch, level, n, method, low_rate, slack)
        finally:
            release(r_drop)
        results["transmit_alone"] = transmit_alone(topo, seconds)
        b_drop = hold_drop(topo, "b", "b0")
        # ---- Linux, same namespaces
        topo.run("r", ["ip", "addr", "add", "10.0.1.1/24", "dev", "eth0"])
        topo.run("r", ["ip", "addr", "add", "10.0.2.1/24", "dev", "eth1"])
        topo.run("r", ["ip", "neigh", "replace", "10.0.2.2", "lladdr", B, "dev", "eth1",
                       "nud", "permanent"])
        topo.run("r", ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
        results["linux_low_rate"] = latency(topo, low_rate) if low_rate else None
        results["linux"] = throughput(topo, seconds, slack=slack)
        release(b_drop)
    results["load_after"] = loadavg()
    return results


def _us(x):
    return f"{x:>7.0f}" if x is not None else f"{'-':>7}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8, help="length of each throughput run")
    ap.add_argument("--batch", type=int, default=64, help="clickpy run --batch")
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness of the clickpy process (negative: more CPU on a busy machine)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], metavar="N",
                    help="clickpy run --workers values to measure, one run each (default 1 2)")
    ap.add_argument("--method", nargs="+", default=["AFPACKET", "AFXDP"],
                    type=str.upper, choices=["AFPACKET", "AFXDP"],
                    help="ring types to measure (default AFPACKET AFXDP)")
    ap.add_argument("--quick", action="store_true",
                    help="no separate low-rate latency phase, short pauses")
    a = ap.parse_args(argv)
    try:
        results = run(a.method, a.workers, a.seconds, a.batch, a.nice, a.quick)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    k = results["linux"]
    rows = [(name, r["throughput"], r["low_rate"]) for name, r in results["runs"].items()]
    print(f"{'forwarder':<20} {'offered pps':>12} {'forwarded pps':>14} {'loss %':>7} "
          f"{'lat med us':>10} {'lat p99 us':>10} | low rate: {'med us':>7} {'p99 us':>7}")
    for name, hi, lo in rows + [("linux", k, results["linux_low_rate"])]:
        lo = lo or {}
        print(f"{name:<20} {hi['offered_pps']:>12,} {hi['forwarded_pps']:>14,} "
              f"{hi['loss_pct']:>7} {hi['latency_median_us'] or 0:>10.0f} "
              f"{hi['latency_p99_us'] or 0:>10.0f} |           {_us(lo.get('median_us'))} "
              f"{_us(lo.get('p99_us'))}")
    for name, c, _ in rows:
        print(f"{name}: {c['forwarder_cpu_us_per_pkt']} us CPU per forwarded packet "
              f"({c['forwarder_cpu_s']} s CPU in {c['seconds']} s, "
              f"{c['forwarder_waited_for_cpu_s']} s runnable but waiting for a CPU); sender CPU "
              f"per packet offered {c['sender_cpu_us_per_pkt']} us; "
              f"{c['forwarded_pps'] / max(k['forwarded_pps'], 1):.2f}x Linux's forwarding")
    t = results["transmit_alone"]
    print(f"transmit alone (r's packet socket ring into b, on the forwarder's CPU): "
          f"{t['pps']:,} pps, {t['cpu_us_per_pkt']} us CPU per frame")
    print(f"Linux run: sender CPU per packet offered {k['sender_cpu_us_per_pkt']} us (includes "
          f"Linux's forwarding, done in the sender's softirq); load average "
          f"{results['load_before']} -> {results['load_after']} on {results['cpus']} CPUs; "
          f"{results['queues']} queue(s) per veth")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
