"""The `interfaces` entry of `python3 -m perf`: perf.netdev's figures as report rows.

One run of the entry in quick mode (root: namespaces and veths) checks that
every forwarder got a row with a measured rate, under ~a minute; the row
construction is also checked on its own, on the shape perf.netdev.run returns.
"""
import json
import os
import time

import pytest

perf_main = pytest.importorskip("perf.__main__")
from perf import interfaces  # noqa: E402

from clickpy import netns  # noqa: E402

WHY_NOT = netns.available()


def _figures(pps):
    return {"offered_pps": pps * 2, "forwarded_pps": pps, "loss_pct": 50.0,
            "latency_median_us": 90.0, "latency_p99_us": 900.0, "forwarder_cpu_us_per_pkt": 2.5}


def test_rows_name_each_forwarder_and_note_the_conditions():
    results = {"runs": {"clickpy AFPACKET w1": {"throughput": _figures(50_000)},
                        "clickpy AFXDP w1": {"throughput": _figures(60_000)},
                        "clickpy AFXDP w2": {"throughput": _figures(70_000)}},
               "linux": _figures(90_000), "seconds": 2.0, "queues": 2,
               "load_before": "1.0", "load_after": "2.0", "cpus": 2}
    res = interfaces.rows([results])
    assert [(r.impl, r.unit, r.runs) for r in res.rows] == [
        ("clickpy AFPACKET w1", "kpps", [50.0]), ("clickpy AFXDP w1", "kpps", [60.0]),
        ("clickpy AFXDP w2", "kpps", [70.0]), ("linux", "kpps", [90.0])]
    assert res.rows[1].extra["offered_kpps"] == 120.0 and res.rows[1].extra["loss_pct"] == 50.0
    assert any("2 queue(s) per veth" in n and "load average 1.0 -> 2.0" in n
               for n in res.notes)


def test_repeats_give_each_forwarder_its_spread_and_the_median_repeats_extras():
    def run(a, linux, load):
        return {"runs": {"clickpy AFXDP w1": {"throughput": _figures(a)}}, "linux": _figures(linux),
                "seconds": 5.0, "queues": 1, "load_before": load, "load_after": load, "cpus": 2}
    res = interfaces.rows([run(60_000, 90_000, "1.0"), run(40_000, 95_000, "1.5"),
                           run(50_000, 80_000, "2.0")])
    rows = {r.impl: r for r in res.rows}
    assert rows["clickpy AFXDP w1"].runs == [40.0, 50.0, 60.0]
    assert rows["clickpy AFXDP w1"].extra["offered_kpps"] == 100.0    # the 50 kpps repeat's
    assert rows["linux"].runs == [80.0, 90.0, 95.0]
    assert any("3 repeat(s)" in n and "load average 1.0 -> 2.0" in n for n in res.notes)
    assert "latency under load, median / p99: clickpy AFXDP w1 90 us / 900 us, linux 90 us" \
        in " ".join(res.notes)
    assert "clickpy AFXDP w1 50.00% (50.00, 50.00, 50.00)" in " ".join(res.notes)


def test_the_transmit_alone_note_gives_the_median_repeat():
    def run(pps, us):
        return {"runs": {}, "linux": _figures(90_000), "seconds": 5.0, "queues": 1,
                "load_before": "1", "load_after": "1", "cpus": 2,
                "transmit_alone": {"seconds": 5.0, "pps": pps, "cpu_us_per_pkt": us}}
    notes = " ".join(interfaces.rows([run(900_000, 1.1), run(700_000, 1.4),
                                      run(950_000, 1.05)]).notes)
    assert "transmit alone" in notes and "900 kpps, 1.1 us of CPU a frame (median of 3)" in notes
    unmeasured = run(1, 1)
    del unmeasured["transmit_alone"]
    assert "transmit alone" not in " ".join(interfaces.rows([unmeasured]).notes)


@pytest.mark.skipif(WHY_NOT is not None or os.geteuid() != 0,
                    reason=f"needs root and network namespaces ({WHY_NOT})")
def test_quick_entry_measures_every_ring_type_and_linux(tmp_path):
    t = time.monotonic()
    status = perf_main.main(["--quick", "--only", "interfaces", "--out-dir", str(tmp_path)])
    took = time.monotonic() - t
    assert status == 0
    entry = json.loads((tmp_path / "results.json").read_text())["benchmarks"][0]
    assert entry["status"] == "ok", entry.get("reason")
    rows = {r["impl"]: r for r in entry["rows"]}
    assert set(rows) == {"clickpy AFPACKET w1", "clickpy AFXDP w1", "linux"}
    assert any("transmit alone" in n for n in entry["notes"]), entry["notes"]
    assert all(r["median"] > 0 and r["unit"] == "kpps" for r in rows.values())
    assert took < 90, f"quick mode took {took:.0f} s"
