"""`clickpy run` ends on Ctrl-C and on SIGTERM and still reports, as Click's driver does,
even when started the way a shell starts a background job (SIGINT ignored)."""
import os
import signal
import subprocess
import sys
import threading

import pytest

CONFIG = "RatedSource(RATE 2000) -> c :: Counter -> Discard"


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # what `cmd &` in a script gives a job


def _started(p, err, timeout):
    """Read p's standard error until the live counters show (the run has begun)."""
    seen = threading.Event()

    def read():
        while True:
            chunk = p.stderr.read(1)
            if not chunk:
                break
            err.append(chunk)
            if "Mpps" in "".join(err[-40:]):
                seen.set()
        seen.set()
    threading.Thread(target=read, daemon=True).start()
    return seen.wait(timeout) and p.poll() is None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("workers", [1, 2])
def test_signal_ends_run_with_report(sig, workers):
    p = subprocess.Popen([sys.executable, "-m", "clickpy", "run", "-e", CONFIG, "-h", "c.count",
                          "--workers", str(workers)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=_ignore_sigint, cwd=os.path.dirname(os.path.dirname(__file__)))
    err: list[str] = []
    try:
        assert _started(p, err, 300), "".join(err)[-2000:]
        p.send_signal(sig)
        assert p.wait(60) == 0, "".join(err)[-2000:]   # the report is short: no full pipe
        out = p.stdout.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert int(out.splitlines()[0]) > 0, out     # one -h: its value alone, as Click prints it


def test_a_worker_stopped_as_it_starts_is_not_a_failure():
    """The first worker's run ends at once (STOP) and the parent stops the others, which
    may still be telling it they are ready, or ending their own run: they stop, and the run
    exits 0.  (Before, the stop signal could land in either: "worker 1: KeyboardInterrupt",
    exit 1, in most runs.)"""
    args = [sys.executable, "-m", "clickpy", "run", "--quiet", "--workers", "2", "-e",
            "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard", "-h", "c.count"]
    for _ in range(4):
        r = subprocess.run(args, capture_output=True, text=True, timeout=300,
                           cwd=os.path.dirname(os.path.dirname(__file__)))
        assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
        assert r.stdout in ("5\n", "10\n")       # the second worker ran, or was stopped first
