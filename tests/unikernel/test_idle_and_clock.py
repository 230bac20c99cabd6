"""An idle guest halts under TCG and still wakes to forward; the TSC rate is the host's.

Under TCG the router image, idle for over a second, must use well under a
host core (it halts 200 us at a time, runtime/idle.S), then forward a frame
and answer a handler read.  Under KVM here it cannot halt (PVM): it says so
only if asked.  The guest's TSC rate, from kvmclock (KVM) or the PIT (TCG),
is the host's TSC rate within 1%: rate-based elements depend on it.
"""
import os
import re
import time

import pytest
from conftest import accel, needs_vm
from scapy.all import IP, Ether
from taps import Port
from test_router_image import handler, resolve_b, udp

from clickpy.unikernel import vm

pytestmark = needs_vm


def host_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def booted(images, name, how):
    image = images("router")
    a, b = Port("cka"), Port("ckb")
    v = vm.boot(image, {"eth0": a.tap, "eth1": b.tap}, name=f"{name}{os.getpid()}", accel=how)
    a.move()
    b.move()
    return v, a, b


def test_idle_guest_halts_under_tcg_and_wakes_to_forward(images, run_dir):
    v, a, b = booted(images, "idle", "tcg")
    try:
        assert v.wait_for(b"halting after", 5.0), v.console_text()
        time.sleep(1.0)
        c0, t0 = host_cpu_seconds(v.pid), time.monotonic()
        time.sleep(2.0)
        share = (host_cpu_seconds(v.pid) - c0) / (time.monotonic() - t0)
        assert share < 0.6, f"an idle TCG guest used {share:.0%} of a host core"
        a.send(udp())
        resolve_b(b)
        got = b.recv_all(3.0, until=lambda g: any(IP in Ether(f) for f in g))
        assert any(IP in Ether(f) for f in got)
        assert handler(v, "FromDevice@7.count") == "1"
    finally:
        vm.stop(v)
        a.close()
        b.close()


@pytest.mark.parametrize("how", ["kvm", "tcg"])
def test_guest_tsc_rate_is_the_hosts(images, run_dir, how):
    if how == "kvm" and accel() != "kvm":
        pytest.skip("KVM is not usable here")
    v, a, b = booted(images, f"tsc{how}", how)
    try:
        assert v.wait_for(b" MHz from ", 5.0), v.console_text()
        line = v.console_text().decode()
        mhz, source = re.search(r"tsc (\d+) MHz from (\w+)", line).groups()
        assert source == ("kvmclock" if how == "kvm" else "PIT"), line
        if how == "tcg":     # the boot's 2 ms calibration, refined over 200 ms
            assert v.wait_for(b"kHz from the PIT over", 5.0), v.console_text()
            khz = re.search(r"tsc (\d+) kHz from the PIT", v.console_text().decode()).group(1)
            mhz = int(khz) / 1000
        with open("/proc/cpuinfo") as f:
            info = f.read()
        if "tsc_known_freq" not in info:
            pytest.skip("the host's cpu MHz is its TSC rate only with tsc_known_freq")
        host = float(re.search(r"cpu MHz\s*:\s*([\d.]+)", info).group(1))
        assert abs(float(mhz) - host) < 0.01 * host, (mhz, host)
        if how == "kvm":
            assert b"halting after" not in v.console_text()
    finally:
        vm.stop(v)
        a.close()
        b.close()
