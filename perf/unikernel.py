"""Unikernel images: size, boot to first packet, memory, rate next to process mode, density.

The measuring is perf/unikernel_images.py's (also runnable on its own, with
more boots); this entry turns its figures into the suite's rows.  Needs root
(taps), qemu-system-x86_64 and gcc; without them it skips with the reason.
--quick: 3 boots, half-second rates, 2 images at once.
"""
from __future__ import annotations

import os
import shutil

from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark


def unavailable() -> str | None:
    """Why this machine cannot run the entry, or None."""
    if os.geteuid() != 0:
        return "needs root (taps for the VM's NICs)"
    for tool in ("qemu-system-x86_64", "gcc", "ip"):
        if shutil.which(tool) is None:
            return f"needs {tool} on PATH"
    return None


@benchmark("unikernel", "Unikernel images: size, boot to first packet, memory, rate, density")
def run(ctx: Ctx) -> Result:
    why = unavailable()
    if why:
        raise Skip(why)
    from perf import unikernel_images
    f = unikernel_images.measure(quick=ctx.quick)
    res = Result()
    vm = f"router image ({f.accel})"
    res.add("image size", "router image", "KB", [f.image_bytes / 1024])
    res.add("boot: QEMU start to ready line", vm, "ms", f.ready_ms)
    res.add("boot: QEMU start to first forwarded frame", vm, "ms", f.forward_ms)
    res.add("guest memory", vm, "MB", [f.guest_mb])
    res.add("host memory (QEMU RSS) forwarding", vm, "MB", [f.qemu_rss_mb])
    res.add("forwarding 64 B frames", f"{vm} over taps", "kpps", [f.vm_forwarded / 1e3],
            offered_kpps=f.vm_offered / 1e3)
    if f.process_forwarded is not None:
        res.add("forwarding 64 B frames", "clickpy run (process) over veth", "kpps",
                [f.process_forwarded / 1e3], offered_kpps=f.process_offered / 1e3)
    else:
        res.notes.append(f"process mode not measured: {f.process_skipped}")
        if f.process_skipped.startswith("failed"):
            res.problems.append(f"process mode {f.process_skipped}")
    if f.density:
        res.add(f"density: of {f.density} images at once, forwarding", vm, "images",
                [f.density_ok], started=f.density)
        res.add(f"density: host memory per instance ({f.density} at once)", vm, "MB",
                [f.density_rss_mb])
    if any(x != x for x in f.forward_ms):            # NaN: that boot never forwarded
        res.problems.append("a boot never forwarded its frame within 20 s")
    else:
        res.checks.append(f"each of the {len(f.forward_ms)} boots forwarded a frame")
    if f.density and f.density_ok < f.density:
        res.problems.append(f"only {f.density_ok} of {f.density} images at once forwarded")
    res.notes += [
        f"image built in {f.build_s:.1f} s (clickpy build, compile cache as found)",
        "boot: from starting QEMU to the first UDP frame forwarded onto the far tap (the "
        "sender repeats it every millisecond and answers the router's ARP query at once); "
        "targets: image < 128 KB, boot < 50 ms, guest memory <= 16 MB",
        "rates: one Python raw-socket sender offers what it can; the VM is fed by QEMU's "
        "tap backend, the process by PACKET_MMAP on veth, so the sender, not the router, "
        "may set the ceiling (compare the offered figures in results.json)",
        "idle guests: under KVM here each polls, one busy host core per image even without "
        "traffic (it cannot halt under PVM); under TCG a guest idle for 1 ms halts 200 us at a "
        "time (runtime/idle.S)",
    ]
    return res
