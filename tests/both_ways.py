"""Run a configuration compiled and interpreted (NUMBA_DISABLE_JIT=1): the same output."""
from __future__ import annotations

import os
import subprocess
import sys


def run_both_ways(config: str, *handlers: str, timeout: float = 600) -> str:
    """`clickpy run --quiet -e config -h H...` twice, compiled and as plain Python; both
    must succeed and print the same handler values, which are returned."""
    args = [sys.executable, "-m", "clickpy", "run", "--quiet", "-e", config]
    for h in handlers:
        args += ["-h", h]
    jit = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    interp = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert jit.returncode == 0, jit.stderr
    assert interp.returncode == 0, interp.stderr
    assert jit.stdout == interp.stdout
    return jit.stdout
