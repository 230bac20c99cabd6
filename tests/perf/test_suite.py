"""The benchmark suite runs end to end, so it does not rot: one small benchmark, seconds.

Runs `python3 -m perf --quick --only mbox.wire` in process into a temporary
folder and checks what it wrote: the figures exist (not their values), the
agreement checks between clickpy and the baselines passed, the report and
its plot are there; and an entry this machine cannot run is skipped with
its reason, not faked.
"""
import json

import pytest

perf_main = pytest.importorskip("perf.__main__")


def _run(tmp_path, *only):
    argv = ["--quick", "--seconds", "0.05", "--repeats", "1", "--out-dir", str(tmp_path)]
    for name in only:
        argv += ["--only", name]
    status = perf_main.main(argv)
    results = json.loads((tmp_path / "results.json").read_text())
    return status, {b["name"]: b for b in results["benchmarks"]}


def test_wire_end_to_end(tmp_path):
    status, bench = _run(tmp_path, "mbox.wire")
    assert status == 0
    wire = bench["mbox.wire"]
    assert wire["status"] == "ok", wire.get("reason")
    impls = {r["impl"] for r in wire["rows"]}
    assert {"clickpy", "pure Python", "scapy pipetool"} <= impls
    assert all(r["median"] > 0 and r["min"] <= r["median"] <= r["max"] for r in wire["rows"])
    assert wire["checks"] and not wire["problems"], wire["checks"]
    report = (tmp_path / "report.md").read_text()
    assert "mbox.wire" in report and "plot-mbox.png" in report
    assert (tmp_path / "plot-mbox.png").stat().st_size > 1000


def test_missing_stage_is_skipped_with_reason(tmp_path):
    status, bench = _run(tmp_path, "unikernel", "click_driver")
    assert status == 0
    for name in ("unikernel", "click_driver"):
        if bench[name]["status"] == "skipped":
            assert bench[name]["reason"]
            assert name in (tmp_path / "report.md").read_text()


def test_unknown_name_is_a_usage_error(tmp_path, capsys):
    assert perf_main.main(["--only", "no-such-bench", "--out-dir", str(tmp_path)]) == 2
    assert "no-such-bench" in capsys.readouterr().err


def test_update_keeps_the_other_benchmarks(tmp_path):
    _run(tmp_path, "unikernel")
    status = perf_main.main(["--quick", "--only", "click_driver", "--update",
                             "--out-dir", str(tmp_path)])
    assert status == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert [b["name"] for b in results["benchmarks"]] == ["unikernel", "click_driver"]
    assert results["updates"][0]["benchmarks"] == ["click_driver"]
    assert "re-ran click_driver" in (tmp_path / "report.md").read_text()
