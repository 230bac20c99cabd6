"""`clickpy build`: a configuration (or manifest) -> a bootable image.

Steps: load and check the configuration; rewrite it for the image
(imagegraph: devices -> virtio rings, host-only elements refused); configure
every element (the Router's state arrays); compile one round of the tasks to
a freestanding object (entry); write the arrays as data (layout); compile the
C runtime with the system's gcc and link it all at 1 MiB for PVH boot;
assemble the image's firmware (runtime/firmware.S, QEMU's -bios: it enters
the image at once, where microvm's qboot took some 5 ms here).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass

from clickpy.diagnostics import ConfigError, Diagnostic
from clickpy.unikernel.manifest import ImageSpec, memory_mib

log = logging.getLogger(__name__)

RUNTIME = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime")
SOURCES = ("boot.S", "idle.S", "console.c", "lib.c", "clock.c", "net.c", "control.c", "main.c")
CFLAGS = ["-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-mno-red-zone",
          "-fno-stack-protector", "-nostdlib", "-mcmodel=small", "-fno-asynchronous-unwind-tables",
          "-fno-builtin", "-Wall", "-Wno-address-of-packed-member"]
LDFLAGS = ["-nostdlib", "-static", "-no-pie", "--no-warn-rwx-segments", "-z", "noexecstack",
           "-z", "max-page-size=4096", "--strip-all"]


class BuildError(Exception):
    """The image cannot be built; diagnostics (if any) say where in the configuration."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        self.diagnostics = diagnostics or []
        super().__init__(message)


@dataclass
class Built:
    path: str
    size: int
    tasks_text: int
    seconds: float
    memory_used: int = 0      # bytes of guest memory the image occupies (memory_end)


def load_graph(spec: ImageSpec):
    """The checked graph of the spec's configuration (ConfigError/BuildError on errors)."""
    from clickpy.check import check_graph
    from clickpy.graph import build_graph
    from clickpy.lang import load_file
    if not os.path.isfile(spec.config):
        raise BuildError(f"cannot read configuration {spec.config!r}")
    result = check_graph(build_graph(load_file(spec.config), spec.defines))
    if result.errors:
        raise BuildError(f"{spec.config}: {len(result.errors)} error(s)", result.errors)
    return result.graph


def configuration_devices(graph) -> list[str]:
    """Devices in the order the configuration first names them."""
    from clickpy.runtime.bind import device_of
    found = []
    for node in sorted(graph.nodes, key=lambda n: (graph.nodes[n]["pos"].line,
                                                   graph.nodes[n]["pos"].col)):
        dev = device_of(graph, node)
        if dev is not None and dev != "host" and dev not in found:
            found.append(dev)
    return found


def image_router(spec: ImageSpec):
    """The Router of the image's graph: configured state, no compilation yet."""
    from clickpy.compile.plan import PlanError
    from clickpy.runtime.router import Router
    from clickpy.unikernel.imagegraph import ImageGraphError, image_graph
    graph = load_graph(spec)
    if spec.devices is None:
        spec.devices = configuration_devices(graph)
    try:
        g = image_graph(graph, spec.devices, spec.replace)
        # Kernels stay calls in an image: inlined, the router image grew from 86 to 132 KB.
        return Router(g, pool_slots=spec.pool, batch=spec.budget, inline=False)
    except ImageGraphError as e:
        raise BuildError(f"{spec.config}: cannot be an image", e.diagnostics) from None
    except PlanError as e:
        raise BuildError(f"{spec.config}: cannot be configured", e.diagnostics) from None
    except ConfigError as e:
        raise BuildError(f"{spec.config}: errors", e.diagnostics) from None


def _run(cmd: list[str], cwd: str) -> None:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(f"{' '.join(cmd[:2])} failed:\n{p.stderr.strip()}")


def section_size(path: str, name: str) -> int:
    out = subprocess.run(["size", "-A", path], capture_output=True, text=True).stdout
    return sum(int(p[1]) for p in (line.split() for line in out.splitlines())
               if len(p) >= 2 and p[0].startswith(name) and p[1].isdigit())


def memory_end(path: str) -> int:
    """The address where the image's loaded segments end, .bss (arrays, stacks) included:
    the guest memory it needs, as it is linked at 1 MiB and uses nothing above."""
    with open(path, "rb") as f:
        head = f.read(64)
        phoff, = struct.unpack_from("<Q", head, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    end = 0
    for k in range(phnum):
        p_type, _, _, _, paddr, _, memsz = struct.unpack_from("<IIQQQQQ", table, k * phentsize)
        if p_type == 1:                                             # PT_LOAD
            end = max(end, paddr + memsz)
    return end


def too_little_memory(path: str, memory: str) -> str | None:
    """Why `memory` (16M, 1G...) cannot hold the image at `path`, or None when it can."""
    need, have = memory_end(path), memory_mib(memory) << 20
    if need <= have:
        return None
    return (f"the image needs {math.ceil(need / 2 ** 20)} MiB of guest memory and is given "
            f"{memory}: give it more (`memory: {math.ceil(need / 2 ** 22) * 4}M` in its "
            "manifest, or `clickpy boot --memory`), or make its tables smaller "
            "(IPRewriter's MAPPING_CAPACITY, Queue capacities, the manifest's pool)")


def compile_runtime(folder: str) -> list[str]:
    objs = []
    for src in SOURCES:
        obj = os.path.join(folder, src.rsplit(".", 1)[0] + ".o")
        _run(["gcc", *CFLAGS, "-c", os.path.join(RUNTIME, src), "-o", obj], folder)
        objs.append(obj)
    return objs


def firmware(folder: str, out: str) -> None:
    """The 64 KiB firmware that boots an image (see runtime/firmware.S), written to `out`."""
    obj, elf = os.path.join(folder, "firmware.o"), os.path.join(folder, "firmware.elf")
    _run(["gcc", "-c", os.path.join(RUNTIME, "firmware.S"), "-o", obj], folder)
    _run(["ld", "-Ttext=0", "-e", "0", "-o", elf, obj], folder)
    _run(["objcopy", "-O", "binary", elf, out], folder)


def build(spec: ImageSpec, out: str) -> Built:
    """Write the image to `out`, its firmware to `out`.bios, its description to `out`.json."""
    from clickpy.unikernel import entry, layout
    t0 = time.perf_counter()
    router = image_router(spec)
    arrays = layout.arrays(router)
    log.info("compiling one round of %d tasks for the image", len(router.module.TASKS))
    ir, inner = entry.compile_ir(router.module)
    obj, _ = entry.freestanding_object(ir, inner)
    with tempfile.TemporaryDirectory(prefix="clickpy-build-") as tmp:
        tasks = os.path.join(tmp, "tasks.o")
        with open(tasks, "wb") as f:
            f.write(obj)
        missing = entry.undefined_symbols(tasks) - entry.RUNTIME_SYMBOLS
        if missing:
            raise BuildError("the compiled tasks need symbols an image does not have: "
                             + ", ".join(sorted(missing))
                             + " (an element allocates, raises, or calls libm/random)")
        text = section_size(tasks, ".text")
        image_s = os.path.join(tmp, "image.S")
        with open(image_s, "w") as f:
            f.write(layout.image_source(router, arrays, tmp, spec.name, spec.budget,
                                        len(spec.devices)))
        objs = compile_runtime(tmp)
        _run(["gcc", "-c", image_s, "-o", os.path.join(tmp, "image.o")], tmp)
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        _run(["ld", *LDFLAGS, "-T", os.path.join(RUNTIME, "link.ld"), "-o", out,
              *objs, os.path.join(tmp, "image.o"), tasks], tmp)
        firmware(tmp, out + ".bios")
    why = too_little_memory(out, spec.memory)
    if why:
        for path in (out, out + ".bios"):       # an image that cannot boot is not left
            os.remove(path)
        raise BuildError(f"{spec.name}: {why}")
    with open(spec.config, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    meta = {"spec": spec.to_json(), "config_sha256": digest, "names": list(router.names),
            "classes": [c.class_name for c in router.classes],
            "arrays": layout.describe(arrays)}
    with open(out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    return Built(out, os.path.getsize(out), text, time.perf_counter() - t0, memory_end(out))
