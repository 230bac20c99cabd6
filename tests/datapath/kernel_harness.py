"""Call one element's kernels directly on frames, without compiling a graph.

For element unit tests: configure the element from a Click config string the
way `clickpy check` parses it, put a frame in a pool slot, run a kernel, and
look at what came out.
"""
from __future__ import annotations

import numpy as np

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.compile import tiered
from clickpy.element import registry
from clickpy.kernel import STOLEN
from clickpy.packet import Pool


class Harness:
    """One configured element instance with its own pool."""

    def __init__(self, class_name: str, config: str = "", n_inputs: int = 1, n_outputs: int = 1,
                 slots: int = 64):
        self.cls = registry()[class_name]
        values, issues = parse_args(self.cls.class_name, self.cls.args, split_config(config),
                                    ParseContext(), None)
        errors = [i for i in issues if i.severity == "error"]
        errors += [i for i in self.cls.check_config(values, ParseContext()) if i.severity == "error"]
        assert not errors, errors
        self.values = values
        self.pool = Pool(slots)
        self.P = self.pool.arrays
        self.st = self.cls.state(values, n_inputs, n_outputs)
        self.emit = np.zeros(2 * max(1, self.cls.emits(values, n_outputs)), dtype=np.int64)

    def specialized(self):
        """The kernel the compiler would write for this instance (Element.kernel_source),
        compiled on its own, or None when the element has none."""
        if not hasattr(self, "_specialized"):
            text = self.cls.kernel_source(self.values, self.st)
            self._specialized = None
            if text is not None:
                from numba import njit
                space: dict = {"np": np}
                exec(compile(text, f"<{self.cls.class_name} specialized>", "exec"), space)
                self._specialized = njit(_nrt=False)(space["kernel"])
        return self._specialized

    def load(self, frame: bytes, **anno) -> int:
        s = self.pool.load(bytes(frame))
        assert s >= 0
        from clickpy import packet
        for name, value in anno.items():
            self.pool.anno[s, getattr(packet, "A_" + name.upper())] = value
        return s

    def action(self, frame: bytes, **anno) -> tuple[int, bytes, int]:
        """(simple_action's return code, the packet's bytes after it, its slot)."""
        s = self.load(frame, **anno)
        code = self.cls.simple_action(self.P, s, self.st)
        return int(code), self.pool.bytes(s), s

    def push(self, frame: bytes, port: int = 0, **anno) -> list[tuple[int, bytes]]:
        """The (output port, bytes) pairs push() emitted."""
        s = self.load(frame, **anno)
        n = self.cls.push(self.P, port, s, self.st, self.emit)
        return [(int(self.emit[2 * k]), self.pool.bytes(int(self.emit[2 * k + 1]))) for k in range(n)]

    def pull(self, port: int = 0) -> bytes | None:
        s = self.cls.pull(self.P, port, self.st)
        return None if s < 0 else self.pool.bytes(int(s))

    def read(self, handler: str) -> str:
        return self.cls.read_handler(handler, self.values, self.st)

    def write(self, handler: str, text: str = "") -> None:
        self.cls.write_handler(handler, text, self.values, self.st)

    def flush(self):
        """What the Router does after a round: host_flush, when host_pending (if the
        class has one) says there is work; returns host_flush's result."""
        pending = self.cls.host_pending
        if pending is None or pending(self.P, self.st):
            return self.cls.host_flush(self.values, self.st, self.pool)
        return None


__all__ = ["Harness", "STOLEN"]


def tiered_as_python(monkeypatch) -> None:
    """Every tiered call runs the Python code, whatever this process compiled before
    (under NUMBA_DISABLE_JIT=1 the functions are Python already)."""
    monkeypatch.setattr(tiered, "call", lambda d, small, *args: (
        tiered.plain(d) if hasattr(d, "py_func") else d)(*args))
