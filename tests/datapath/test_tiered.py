"""clickpy.compile.tiered: cold numba code on small input runs as Python, with the same results."""
import ipaddress
import struct

import numba
import numpy as np
import pytest
from numba import njit

from clickpy import pcap, pcap_records
from clickpy.argtypes.routes import Route
from clickpy.compile import tiered
from elements.ip import iproutetable
from elements.ip.staticiplookup import StaticIPLookup
from kernel_harness import tiered_as_python

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT,
                                reason="compares the Python tier with compiled code, which "
                                       "does not exist when interpreted")


@njit
def _step(x):
    return x * 3 + 1


@njit
def _collatz(x, out):
    n = 0
    while x != 1:
        x = x // 2 if x % 2 == 0 else _step(x)
        out[n] = x
        n += 1
    return n


def test_small_cold_calls_run_as_python_and_match_the_compiled_code():
    plain_out, compiled_out = np.zeros(200, np.int64), np.zeros(200, np.int64)
    assert tiered.call(_collatz, True, 27, plain_out) == 111
    assert not _collatz.overloads and not _step.overloads          # nothing compiled
    assert tiered.call(_collatz, False, 27, compiled_out) == 111   # large: compiled
    assert _collatz.overloads
    assert np.array_equal(plain_out, compiled_out)
    assert tiered.call(_collatz, True, 7, plain_out) == 16         # compiled now: used
    assert tiered.plain(_collatz) is tiered.plain(_collatz)


def _routes(n: int) -> list[Route]:
    rng = np.random.default_rng(7)
    out = [Route(ipaddress.IPv4Network("0.0.0.0/0"), ipaddress.IPv4Address("10.0.0.1"), 0)]
    while len(out) < n:
        plen = int(rng.choice([8, 12, 16, 20, 24, 28, 32]))
        addr = int(rng.integers(0, 1 << 32)) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
        out.append(Route(ipaddress.IPv4Network((addr, plen)), None, len(out) % 3))
    return out


def test_a_route_table_built_by_python_is_the_one_the_compiled_code_builds(monkeypatch):
    values = {"ROUTE": _routes(40)}
    assert len(values["ROUTE"]) <= iproutetable.SMALL_TABLE
    with monkeypatch.context() as m:
        tiered_as_python(m)
        built_by_python = StaticIPLookup.state(values, 1, 3)
    monkeypatch.setattr(iproutetable, "SMALL_TABLE", 0)
    compiled = StaticIPLookup.state(values, 1, 3)
    assert iproutetable.table_build.overloads
    assert all(np.array_equal(a, b) for a, b in zip(built_by_python, compiled))
    assert np.count_nonzero(built_by_python[iproutetable.ST_L1]) > 0


def test_a_pcap_index_made_by_python_is_the_one_the_compiled_walk_makes(tmp_path, monkeypatch):
    frames = [((1_700_000_000 + k) * 10**9 + k * 1000, bytes(range(k % 256)) * 2 + b"x")
              for k in range(0, 600, 7)]
    pcap.write_pcap(tmp_path / "t.pcap", frames)
    raw = (tmp_path / "t.pcap").read_bytes()
    raw += struct.pack("<IIII", 1_700_000_999, 0, 100, 100) + bytes(10)   # a record cut short
    assert len(raw) <= pcap.SMALL_FILE
    with monkeypatch.context() as m:
        tiered_as_python(m)
        by_python = pcap.parse_pcap(raw, strict=False)
    monkeypatch.setattr(pcap, "SMALL_FILE", 0)
    compiled = pcap.parse_pcap(raw, strict=False)
    assert pcap_records.walk.overloads
    for name in ("data", "offsets", "wirelen", "ts_ns", "filepos"):
        assert np.array_equal(getattr(by_python, name), getattr(compiled, name)), name
    assert by_python.problem == compiled.problem and by_python.problem
    assert len(by_python.offsets) == len(frames) + 1
