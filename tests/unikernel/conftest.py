"""Image tests need root (taps, namespaces), QEMU and gcc; they build images once per session."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

needs_vm = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("qemu-system-x86_64", "gcc", "ip")),
    reason="needs root, qemu-system-x86_64, gcc and iproute2")


def clickpy(*args, timeout=1800, **kw):
    return subprocess.run([sys.executable, "-m", "clickpy", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, **kw)


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """name -> built image path, built on first use."""
    folder = tmp_path_factory.mktemp("images")
    built = {}

    def get(name):
        if name not in built:
            out = str(folder / f"{name}.elf")
            r = clickpy("build", f"vnf_images/{name}.yaml", "-o", out)
            assert r.returncode == 0, r.stderr
            built[name] = out
        return built[name]
    return get


@pytest.fixture
def run_dir(monkeypatch):
    """A run folder of the test's own, on tmpfs like clickpy's default."""
    import tempfile
    d = tempfile.mkdtemp(prefix="clickpy-test-run-",
                         dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    monkeypatch.setenv("CLICKPY_RUN_DIR", d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def accel():
    """CLICKPY_TEST_ACCEL forces kvm or tcg; else KVM when it works."""
    from clickpy.unikernel.vm import kvm_usable
    return os.environ.get("CLICKPY_TEST_ACCEL") or ("kvm" if kvm_usable() else "tcg")


@pytest.fixture
def boot_image(images, run_dir):
    """boot_image(name) -> (vm, port A on eth0, port B on eth1); all cleaned up after."""
    from taps import Port

    from clickpy.unikernel import vm
    started = []

    def start(name):
        import json
        image = images(name)
        with open(image + ".json") as f:
            devices = json.load(f)["spec"]["devices"]
        ports = [Port(f"ck{k}") for k in range(len(devices))]
        started.append([None, ports])
        v = vm.boot(image, {d: p.tap for d, p in zip(devices, ports)}, name=f"{name}{os.getpid()}",
                    accel=accel())
        started[-1][0] = v
        for p in ports:
            p.move()
        return (v, *ports)
    yield start
    for v, ports in started:
        if v is not None:
            vm.stop(v)
        for p in ports:
            p.close()
