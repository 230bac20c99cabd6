"""The image's data: every array the tasks use, as initialized data or .bss.

Arrays are numbered in the order of the Router's table (clickpy.compile.
arraytable): the pool's six arrays, the packet account, the loop queue, the
addresses the host's round calls (zeros in an image), the emit buffers, each
element's state arrays.  `image_source` writes image.S: the arrays
(in .bss, with their contents after configure time as a short list of
arithmetic runs and literal bytes that the runtime applies at boot, so that a
65536-entry table of -1 costs 48 bytes of image, not 256 KB), the address table clickpy_round takes, the NIC rings the C runtime
serves, and the array list the control port reads and writes.  `describe`
is the same layout as JSON, kept beside the image for `clickpy handler`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from clickpy.compile.arraytable import ENTRY
from clickpy.unikernel.devices import VirtioFromDevice, VirtioToDevice


@dataclass
class Array:
    index: int
    array: np.ndarray
    owner: str          # "pool", "state", "emit", "account", "loopqueue", "calls", "credits"
    element: int = -1   # for state and emit arrays
    part: int = 0       # position in the element's state tuple or the pool tuple


def arrays(router) -> list[Array]:
    """The Router's arrays in the order of its table (Router.__init__ builds it so)."""
    out: list[Array] = []

    def add(a, owner, element=-1, part=0):
        out.append(Array(len(out), a, owner, element, part))
    for k, a in enumerate(router.pool.arrays):
        add(a, "pool", part=k)
    add(router.A, "account")
    add(router.R, "loopqueue")
    add(router.F, "calls")       # host addresses: the image's entry calls the tasks directly
    add(router.K, "credits")     # ScheduleInfo's task credits
    for i, a in enumerate(router.X):
        add(a, "emit", i)
    for i, st in enumerate(router.S):
        for k, a in enumerate(st):
            add(a, "state", i, k)
    T = router.T
    if len(T) != ENTRY * max(len(out), 1) or any(int(T[ENTRY * a.index]) != a.array.ctypes.data
                                                 for a in out):
        raise RuntimeError("the Router's array table is not in the order the image expects")
    return out


def _asm_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " -_.:/" else f"\\{ord(c):03o}" for c in text) + '"'


MIN_RUN = 16   # elements: shorter arithmetic runs are copied as literal bytes


def runs(a: np.ndarray) -> list[tuple]:
    """The array's bytes as ("fill", first, count, start, step) arithmetic runs
    (all-zero runs left out: .bss is zero) and ("copy", first, count) literals;
    first and count in elements of the array's item size."""
    size = a.dtype.itemsize if a.dtype.itemsize in (1, 2, 4, 8) else 1
    v = np.ascontiguousarray(a).reshape(-1).view(f"u{size}")
    n = len(v)
    if n == 0:
        return []
    d = v[1:] - v[:-1]                           # wraps, as the C loop does
    change = np.flatnonzero(d[1:] != d[:-1]) + 1 if len(d) > 1 else np.zeros(0, dtype=np.int64)
    out, lit, i = [], -1, 0
    while i < n:
        k = int(np.searchsorted(change, i, side="right"))
        end = int(change[k]) if k < len(change) else len(d)   # d[i:end] constant
        count = end - i + 1 if i < len(d) else 1
        if count >= MIN_RUN:
            if lit >= 0:
                out.append(("copy", lit, i - lit))
                lit = -1
            if v[i] != 0 or d[i] != 0:
                out.append(("fill", i, count, int(v[i]), int(d[i])))
            i += count
        else:
            if lit < 0:
                lit = i
            i += 1
    if lit >= 0:
        out.append(("copy", lit, n - lit))
    return [r for r in out if r[0] == "fill" or v[r[1]:r[1] + r[2]].any()]


def image_source(router, layout: list[Array], folder: str, name: str, budget: int,
                 nnics: int) -> str:
    """image.S; the literal bytes go to `folder`/literals.bin."""
    bss, table, rings, inits = [], [], [], []
    literals = bytearray()
    first_of = {}      # an array another element's state shares (Element.peers): one copy
    for a in layout:
        shape = a.array.shape if a.array.ndim == 2 else (a.array.shape[0], 1)
        where = (a.array.ctypes.data, a.array.nbytes)
        if a.array.nbytes and where in first_of:    # its symbol names the first copy
            bss.append(f"        .set clickpy_a{a.index}, clickpy_a{first_of[where]}")
            table.append(f"        .quad clickpy_a{a.index}, {shape[0]}, {shape[1]}")
            continue
        first_of[where] = a.index
        sym = f"clickpy_a{a.index}"
        bss += ["        .align 64", f"{sym}:", f"        .skip {max(a.array.nbytes, 8)}"]
        table.append(f"        .quad {sym}, {shape[0]}, {shape[1]}")
        if a.owner == "calls":     # zeros in the image: host addresses mean nothing there
            continue
        size = a.array.dtype.itemsize if a.array.dtype.itemsize in (1, 2, 4, 8) else 1
        raw = np.ascontiguousarray(a.array).reshape(-1).view(np.uint8)
        rows = a.array.reshape(a.array.shape[0], -1) if a.array.ndim >= 2 else None
        if rows is not None and len(rows) > 1 and rows[0].any() and (rows == rows[0]).all():
            row = rows[0].tobytes()      # every row alike (a table of empty entries)
            inits.append(f"        .quad 2, {sym}, {len(rows)}, {len(row)}, "
                         f"clickpy_literals + {len(literals)}, 0")
            literals += row
            continue
        for r in runs(a.array):
            if r[0] == "fill":
                _, first, count, start, step = r
                inits.append(f"        .quad 0, {sym} + {first * size}, {count}, {size}, "
                             f"{start}, {step}")
            else:
                _, first, count = r
                chunk = raw[first * size:(first + count) * size].tobytes()
                inits.append(f"        .quad 1, {sym} + {first * size}, {len(chunk)}, 1, "
                             f"clickpy_literals + {len(literals)}, 0")
                literals += chunk
    with open(os.path.join(folder, "literals.bin"), "wb") as f:
        f.write(bytes(literals))
    by_element = {}
    for a in layout:
        if a.owner == "state":
            by_element.setdefault(a.element, []).append(a)
    for i, cls in enumerate(router.classes):
        if cls in (VirtioFromDevice, VirtioToDevice):
            ring, frames, lens = by_element[i]
            kind = 0 if cls is VirtioFromDevice else 1
            rings.append(f"        .quad {kind}, clickpy_a{ring.index}, clickpy_a{frames.index}, "
                         f"clickpy_a{lens.index}, {frames.array.shape[0]}, {frames.array.shape[1]}")
    ctl = next(a for a in layout if a.owner == "pool" and a.part == 5)
    literal_path = os.path.join(folder, "literals.bin")
    lines = [
        "/* Generated by clickpy build: the image's data. Do not edit. */",
        "        .section .data",
        "        .align 64",
        "        .globl clickpy_table, clickpy_table_words",
        "clickpy_table:",
        *table,
        f"clickpy_table_words: .quad {ENTRY * len(layout)}",
        "        .section .rodata",
        "        .align 8",
        "        .globl clickpy_rings, clickpy_nrings, clickpy_arrays, clickpy_narrays",
        "        .globl clickpy_budget, clickpy_nnics, clickpy_name, clickpy_pool_ctl",
        "        .globl clickpy_inits, clickpy_ninits",
        "clickpy_rings:",
        *rings,
        f"clickpy_nrings: .quad {len(rings)}",
        "clickpy_arrays:",
        *[f"        .quad clickpy_a{a.index}, {a.array.nbytes}" for a in layout],
        f"clickpy_narrays: .quad {len(layout)}",
        "clickpy_inits:",
        *inits,
        f"clickpy_ninits: .quad {len(inits)}",
        f"clickpy_budget: .quad {budget}",
        f"clickpy_nnics: .quad {nnics}",
        f"clickpy_name: .asciz {_asm_string(name)}",
        "        .align 8",
        "clickpy_literals:",
        f'        .incbin "{literal_path}"',
        f"        .set clickpy_pool_ctl, clickpy_a{ctl.index}",
        "        .section .bss",
        *bss,
        "",
    ]
    return "\n".join(lines)


def describe(layout: list[Array]) -> list[dict]:
    return [{"index": a.index, "owner": a.owner, "element": a.element, "part": a.part,
             "dtype": a.array.dtype.str, "shape": list(a.array.shape)} for a in layout]
