"""Pieces of `clickpy build` that need no VM: data runs, refusals, manifests."""
import os
import shutil

import numpy as np
import pytest

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import load_text
from clickpy.unikernel import manifest
from clickpy.unikernel.imagegraph import ImageGraphError, image_graph
from clickpy.unikernel.layout import runs


def replay(a: np.ndarray) -> np.ndarray:
    """What runtime/main.c load_state does with the runs, on zeroed memory."""
    size = a.dtype.itemsize
    out = np.zeros(a.size, dtype=f"u{size}")
    src = np.ascontiguousarray(a).reshape(-1).view(f"u{size}")
    for r in runs(a):
        if r[0] == "fill":
            _, first, count, start, step = r
            with np.errstate(over="ignore"):
                out[first:first + count] = (np.uint64(start) + np.arange(count, dtype=np.uint64)
                                            * np.uint64(step)).astype(f"u{size}")
        else:
            _, first, count = r
            out[first:first + count] = src[first:first + count]
    return out.view(a.dtype).reshape(a.shape)


@pytest.mark.parametrize("a", [
    np.full(65536, -1, dtype=np.int32),
    np.arange(511, -1, -1, dtype=np.int32),
    np.concatenate([np.zeros(40), np.arange(30.0), [7.5, -1.0], np.full(20, 3.0)]),
    np.random.default_rng(1).integers(-5, 5, size=(33, 7)).astype(np.int64),
    np.array([1, 2, 9, 4], dtype=np.uint8),
    np.zeros(100, dtype=np.int16),
])
def test_runs_rebuild_the_array(a):
    assert np.array_equal(replay(a), a)


def test_constant_tables_cost_one_run():
    assert len(runs(np.full(65536, -1, dtype=np.int32))) == 1
    assert runs(np.zeros(1 << 20, dtype=np.uint8)) == []


def graph(text):
    result = check_graph(build_graph(load_text(text, "t.click", yaml=False)))
    assert result.ok, result.errors
    return result.graph


def test_host_only_elements_are_refused_where_they_are():
    g = graph("FromDevice(eth0) -> Counter\n -> ToDump(x.pcap);\n")
    with pytest.raises(ImageGraphError) as e:
        image_graph(g, ["eth0"])
    (d,) = e.value.diagnostics
    assert "ToDump" in d.message and "cannot run inside a unikernel image" in d.message
    assert d.pos.line == 2 and d.hint and "replace" in d.hint
    g = graph("FromDevice(eth0) -> Discard;\nControlSocket(TCP, 7777);\n")
    with pytest.raises(ImageGraphError) as e:
        image_graph(g, ["eth0"])
    (d,) = e.value.diagnostics
    assert "ControlSocket" in d.message and "clickpy handler" in d.message and d.pos.line == 2


def test_replacement_and_devices():
    g = graph("FromDevice(eth0) -> Print(x) -> Queue -> ToDevice(eth1);")
    out = image_graph(g, ["eth1", "eth0"], {"Print": "Null"})
    classes = sorted(d["class_name"] for _, d in out.nodes(data=True))
    assert classes == ["Null", "Queue", "VirtioFromDevice", "VirtioToDevice"]
    rx = next(d for _, d in out.nodes(data=True) if d["class_name"] == "VirtioFromDevice")
    assert rx["values"]["NIC"] == 1


def test_unknown_device_is_reported():
    g = graph("FromDevice(eth0) -> Queue -> ToDevice(eth7);")
    with pytest.raises(ImageGraphError) as e:
        image_graph(g, ["eth0"])
    assert "eth7" in e.value.diagnostics[0].message


def test_manifest(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("config: ../x.click\ndevices: [a, b]\nreplace: {Print: Null}\nmemory: 8M\n")
    spec = manifest.load(str(p))
    assert spec.replace == {"Print": "Null"} and spec.devices == ["a", "b"]
    assert spec.config == str(tmp_path.parent / "x.click") and spec.name == "m"
    assert manifest.is_manifest(str(p))
    p.write_text("config: x.click\nmemroy: 8M\n")
    with pytest.raises(manifest.ManifestError, match="memroy"):
        manifest.load(str(p))
    assert manifest.memory_mib("1G") == 1024
    with pytest.raises(manifest.ManifestError):
        manifest.memory_mib("lots")


def test_every_shipped_manifest_loads():
    import glob
    for path in glob.glob("vnf_images/*.yaml"):
        spec = manifest.load(path)
        assert spec.devices and spec.config.endswith(".click")


def test_build_refuses_host_only_elements_with_their_lines(tmp_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "clickpy", "build", "configs/router.click", "-o",
                        str(tmp_path / "r.elf")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1
    assert "configs/router.click:52:" in r.stderr and "Print" in r.stderr   # c0[3] -> Print
    assert "ToHost" in r.stderr and "cannot run inside a unikernel image" in r.stderr
    assert "hint:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "r.elf").exists()


@pytest.mark.skipif(shutil.which("gcc") is None, reason="building an image needs gcc")
def test_an_image_too_big_for_its_memory_is_refused_at_build_and_at_boot(tmp_path):
    import subprocess
    import sys

    from clickpy.unikernel import build, vm
    out = tmp_path / "wire.elf"
    r = subprocess.run([sys.executable, "-m", "clickpy", "build", "vnf_images/wire.yaml", "-o",
                        str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    used = build.memory_end(str(out))
    assert 1 << 20 < used < 16 << 20 and f"({used / 2 ** 20:.1f} MiB used)" in r.stdout
    small = f"{(used >> 20) - 1}M"
    why = build.too_little_memory(str(out), small)
    assert f"needs {-(-used >> 20)} MiB of guest memory and is given {small}" in why
    assert build.too_little_memory(str(out), "16M") is None
    with pytest.raises(vm.VMError, match="needs .* MiB of guest memory"):
        vm.boot(str(out), {"eth0": "t0", "eth1": "t1"}, memory=small)   # before QEMU starts
    manifest_file = tmp_path / "wire.yaml"
    manifest_file.write_text(f"config: {os.path.abspath('configs/wire.click')}\n"
                             f"devices: [eth0, eth1]\nmemory: {small}\n")
    r = subprocess.run([sys.executable, "-m", "clickpy", "build", str(manifest_file), "-o",
                        str(tmp_path / "small.elf")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and "memory:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "small.elf").exists()
