"""Run element kernels one by one on frames, and chains of them, for the combo tests.

Each run is a plain function of frames returning JSON-able results, so a test
can run it here (compiled by numba) and in a subprocess under
NUMBA_DISABLE_JIT=1 (the same kernels as plain Python) and compare.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.element import registry
from clickpy.packet import A_NH, A_TH, C_NOW, HEADROOM, Pool

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_700_000_123_456_000_000          # the driver's clock, for IP timestamp options


class Instance:
    """One configured element: its class, values and state."""

    def __init__(self, class_name: str, config: str = "", n_outputs: int = 1, n_inputs: int = 1):
        self.cls = registry()[class_name]
        values, issues = parse_args(self.cls.class_name, self.cls.args, split_config(config),
                                    ParseContext(), None)
        issues += self.cls.check_config(values, ParseContext())
        assert not [i for i in issues if i.severity == "error"], issues
        self.values = values
        self.st = self.cls.state(values, n_inputs, n_outputs)
        self.emit = np.zeros(2 * max(1, self.cls.emits(values, n_outputs)), dtype=np.int64)

    def run(self, P, s) -> list[tuple[int, int]]:
        """(code, slot) pairs: an output port, or a drop code, for each packet out."""
        if self.cls.push is not None:
            n = self.cls.push(P, 0, s, self.st, self.emit)
            return [(int(self.emit[2 * k]), int(self.emit[2 * k + 1])) for k in range(n)]
        return [(int(self.cls.simple_action(P, s, self.st)), s)]

    def reason(self, code: int) -> str:
        return self.cls.drop_reasons[-2 - code]


def new_pool() -> Pool:
    pool = Pool(256)
    pool.ctl[C_NOW] = NOW
    return pool


def load(pool: Pool, frame: bytes, anno: dict) -> int:
    s = pool.load(bytes(frame))
    from clickpy import packet
    for name, value in anno.items():
        if name in ("nh", "th"):
            value = HEADROOM + value if value >= 0 else value
            name = {"nh": "A_NH", "th": "A_TH"}[name]
            pool.anno[s, getattr(packet, name)] = value
        else:
            pool.anno[s, getattr(packet, "A_" + name.upper())] = value
    return s


def result(pool: Pool, port, s: int) -> dict:
    """What left, where: bytes, and annotations with header offsets made packet-relative."""
    anno = [int(x) for x in pool.anno[s]]
    for col in (A_NH, A_TH):
        if anno[col] >= 0:
            anno[col] -= int(pool.head[s])
    return {"port": port, "bytes": pool.bytes(s).hex(), "anno": anno}


def run_chain(chain: list[tuple[Instance, dict]], frames: list[tuple[bytes, dict]]) -> dict:
    """Frames through a chain of elements; chain items map an element's outputs to the
    chain's ports ({0: None} continues to the next element; a missing output drops).
    Returns what left each port, the drops by reason, and the pool's balance."""
    pool = new_pool()
    out, drops = [], {}
    for frame, anno in frames:
        pending = [(0, load(pool, frame, anno))]
        while pending:
            k, s = pending.pop(0)
            if k == len(chain):
                out.append(result(pool, 0, s))
                pool_release(pool, s)
                continue
            inst, ports = chain[k]
            for code, t in inst.run(pool.arrays, s):
                if code < 0:
                    reason = inst.reason(code)
                    drops[reason] = drops.get(reason, 0) + 1
                    pool_release(pool, t)
                elif ports.get(code, "drop") is None:
                    pending.append((k + 1, t))
                elif ports.get(code, "drop") == "drop":
                    raise AssertionError(f"{inst.cls.class_name} output {code} not connected")
                else:
                    out.append(result(pool, ports[code], t))
                    pool_release(pool, t)
    return {"out": out, "drops": drops, "in_use": pool.in_use()}


def pool_release(pool: Pool, s: int) -> None:
    from clickpy.packet import release
    release(pool.arrays, s)


def interpreted(module: str, function: str) -> dict:
    """module.function() run in a subprocess with NUMBA_DISABLE_JIT=1: plain Python kernels."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent),
                                          os.environ.get("PYTHONPATH", "")])}
    code = (f"import json, {module}; print('RESULT ' + json.dumps({module}.{function}()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])
