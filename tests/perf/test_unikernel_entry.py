"""`python3 -m perf --quick --only unikernel` measures the router image, it does not skip.

Runs the entry in process into a temporary folder (root, QEMU, gcc and ip
needed, else skipped) and checks its rows: the image size, every boot's
time to the ready line and to the first forwarded frame, guest and host
memory, the VM's forwarding rate next to the process's, and density.
"""
import json

import pytest

perf_main = pytest.importorskip("perf.__main__")
from perf.unikernel import unavailable  # noqa: E402

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


def test_unikernel_entry_measures_every_figure(tmp_path):
    status = perf_main.main(["--quick", "--only", "unikernel", "--out-dir", str(tmp_path)])
    results = json.loads((tmp_path / "results.json").read_text())
    entry = {b["name"]: b for b in results["benchmarks"]}["unikernel"]
    assert entry["status"] == "ok", entry.get("reason")
    assert status == 0
    rows = {(r["case"], r["impl"].split(" (")[0]): r for r in entry["rows"]}
    size = rows["image size", "router image"]
    assert 0 < size["median"] < 128, "the router image should stay under 128 KB"
    ready = next(r for (c, _), r in rows.items() if c == "boot: QEMU start to ready line")
    first = next(r for (c, _), r in rows.items()
                 if c == "boot: QEMU start to first forwarded frame")
    assert len(first["runs"]) == 3 and len(ready["runs"]) == 3          # --quick: 3 boots
    assert all(0 < a <= b < 20_000 for a, b in zip(ready["runs"], first["runs"]))
    assert next(r for (c, _), r in rows.items() if c == "guest memory")["median"] <= 16
    assert next(r for (c, _), r in rows.items()
                if c.startswith("host memory"))["median"] > 1
    rates = [r for (c, _), r in rows.items() if c == "forwarding 64 B frames"]
    assert {r["impl"].split(" (")[0] for r in rates} == {"router image",
                                                           "clickpy run"}
    assert all(r["median"] > 0 for r in rates)
    dens = next(r for (c, _), r in rows.items() if c.startswith("density: of 2"))
    assert dens["median"] == 2 and not entry["problems"], entry["problems"]
    assert "## unikernel" in (tmp_path / "report.md").read_text()
