"""Fuzzing: mutation, campaigns, failure reports and the `clickpy fuzz` command."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clickpy.testing import fuzz, fuzz_here, shipped
from clickpy.testing.fuzzing import Mutator, corpus
from clickpy.testing.memory import MemoryBackend

ROOT = Path(__file__).resolve().parents[2]


def test_mutated_batches_are_reproducible_and_within_a_frame():
    frames = [bytes(range(256)) * 2, bytes(60), b"\x01" * 1514]
    a, b = Mutator(frames, 7).batch(2000), Mutator(frames, 7).batch(2000)
    assert a == b
    assert all(1 <= len(f) <= 1514 for f in a)
    assert len(set(a)) > 1000                         # most frames are changed
    assert Mutator(frames, 8).batch(2000) != a


def test_the_corpus_uses_the_configurations_addresses():
    from clickpy.testing.config import load
    import random
    frames = corpus(load("nat"), random.Random(1))
    ips = {bytes(f[26:30]) for f in frames if len(f) >= 34 and f[12:14] == b"\x08\x00"}
    assert bytes([10, 0, 2, 1]) in ips                  # the NAT's outside address


def test_a_campaign_in_this_process_balances():
    report = fuzz_here("wire", 5000, seed=3)
    assert report.ok and report.packets == 5000
    assert report.account[-1] == "account balances"


def test_an_exception_in_the_data_path_fails_the_campaign(monkeypatch, tmp_path):
    def out_of_bounds(self, idle_rounds=50):
        raise IndexError("index is out of bounds")
    monkeypatch.setattr(MemoryBackend, "settle", out_of_bounds)
    report = fuzz_here("wire", 100, seed=1, save_dir=str(tmp_path))
    assert not report.ok and report.failure == "IndexError: index is out of bounds"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fuzz-wire-seed1-eth0.pcap", "fuzz-wire-seed1-eth1.pcap"]
    assert "FAILED: IndexError" in "\n".join(report.lines())


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "clickpy", "fuzz", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def test_the_command():
    ok = run_cli("wire", "-n", "3000", "--no-boundscheck", "--seed", "2")
    assert ok.returncode == 0, ok.stderr
    assert "wire: 3000 fuzzed frames" in ok.stdout and "account balances" in ok.stdout
    missing = run_cli("nope", "--no-boundscheck")
    assert missing.returncode == 2 and "no shipped middlebox named 'nope'" in missing.stderr
    assert run_cli("wire", "-n", "0").returncode == 2


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CLICKPY_SLOW"),
                    reason="a million bounds-checked frames per middlebox take minutes: "
                           "set CLICKPY_SLOW=1")
@pytest.mark.parametrize("config", shipped())
def test_shipped_middleboxes_survive_a_million_fuzzed_frames(config):
    report = fuzz(config, 1_000_000, seed=1)
    assert report.ok, "\n".join(report.lines())
    assert report.boundscheck and report.packets == 1_000_000
