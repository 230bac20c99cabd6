"""The clickpy command: subcommands, output, exit status 0/1/2."""
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from clickpy.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUTER = os.path.join(ROOT, "configs", "router.click")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_summarizes_a_good_configuration(capsys):
    code, out, err = run(capsys, "check", ROUTER)
    assert code == 0, err
    assert out.startswith(f"{ROUTER}: ok: ")
    assert "push paths: 2 (from " in out and "pull paths: 2 (into " in out


def test_check_reports_errors_with_position_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.click"
    bad.write_text("s :: InfiniteSource;\ns -> c :: Cuonter -> Discard;\n")
    code, out, err = run(capsys, "check", str(bad))
    assert code == 1
    assert f"{bad}:2:6: error: unknown element class 'Cuonter'\n  hint: did you mean Counter?" in err
    assert err.rstrip().endswith(f"{bad}: 1 error")


def test_check_quiet_prints_nothing_on_success(capsys):
    code, out, err = run(capsys, "check", "-q", ROUTER)
    assert (code, out, err) == (0, "", "")


def test_check_expression_and_definitions(capsys):
    code, out, err = run(capsys, "check", "-e", "s :: InfiniteSource -> Queue($N) -> ToDevice(eth0)",
                         "N=5")
    assert code == 0, err
    code, out, err = run(capsys, "check", "-e", "s :: InfiniteSource -> Queue($N) -> ToDevice(eth0)",
                         "N=x")
    assert code == 1 and "'x' is not a packet count" in err


def test_bad_usage_exits_2(capsys):
    assert run(capsys, "check", "/nonexistent.click")[0] == 2
    assert run(capsys, "check")[0] == 2
    assert run(capsys, "check", ROUTER, "notadefinition")[0] == 2
    assert run(capsys, "graph", ROUTER, "-o", "x.jpg")[0] == 2
    assert run(capsys, "elements", "Cuonter")[0] == 2
    assert run(capsys)[0] == 2
    with pytest.raises(SystemExit) as e:
        main(["check", "--no-such-flag"])
    assert e.value.code == 2


def test_elements_lists_and_describes(capsys):
    code, out, _ = run(capsys, "elements")
    assert code == 0
    line = [l for l in out.splitlines() if l.startswith("Queue ")][0]
    assert "h/l" in line and "1/1" in line
    code, out, _ = run(capsys, "elements", "Queue")
    assert code == 0 and out.startswith("Queue([CAPACITY])")
    assert "drops" in out


def test_flatten_prints_click_that_checks_clean(tmp_path, capsys):
    code, out, err = run(capsys, "flatten", ROUTER)
    assert code == 0, err
    flat = tmp_path / "flat.click"
    flat.write_text(out)
    code, out2, err = run(capsys, "check", str(flat))
    assert code == 0, err


def test_convert_both_ways(tmp_path, capsys):
    y = tmp_path / "router.yaml"
    code, out, err = run(capsys, "convert", ROUTER, "-o", str(y))
    assert code == 0, err
    assert run(capsys, "check", str(y))[0] == 0
    c = tmp_path / "back.click"
    code, out, err = run(capsys, "convert", str(y), "-o", str(c))
    assert code == 0, err
    assert run(capsys, "check", str(c))[0] == 0


def test_graph_writes_dot(tmp_path, capsys):
    out = tmp_path / "r.dot"
    code, _, err = run(capsys, "graph", ROUTER, "-o", str(out))
    assert code == 0, err
    assert out.read_text().startswith("digraph")


def test_console_script_and_help():
    r = subprocess.run([sys.executable, "-m", "clickpy", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for sub in ("check", "graph", "flatten", "convert", "elements"):
        assert sub in r.stdout


COUNTED = "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard"


def test_run_q_configures_and_reads_handlers_without_running(capsys):
    """Click's -q: do not run the driver; the -h handlers see the configured elements."""
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-h", "c.count")
    assert (code, out) == (0, "0\n"), err
    code, _, err = run(capsys, "run", "-q", "-e", "FromDump(/nonexistent.pcap) -> Discard")
    assert code == 1 and "/nonexistent.pcap" in err      # configured: the file was opened


def test_run_prints_one_handler_alone_and_several_under_their_names(capsys):
    code, out, err = run(capsys, "run", "--quiet", "-e", COUNTED, "-h", "c.count")
    assert (code, out) == (0, "5\n"), err
    code, out, err = run(capsys, "run", "--quiet", "-e", COUNTED, "-h", "c.count",
                         "-h", "c.byte_count")
    assert (code, out) == (0, "c.count:\n5\n\nc.byte_count:\n345\n\n"), err


def test_run_t_prints_clicks_time_line_before_the_handlers(capsys):
    code, out, err = run(capsys, "run", "--quiet", "-t", "-e", COUNTED, "-h", "c.count")
    assert code == 0, err
    time_line, value = out.splitlines()
    assert re.fullmatch(r"\d+\.\d{3}u \d+\.\d{3}s \d+:\d\d\.\d\d", time_line), out
    assert value == "5"


@pytest.mark.parametrize("batch", ["0", "-3"])
def test_run_refuses_a_batch_below_one(capsys, batch):
    code, _, err = run(capsys, "run", f"--batch={batch}", "-e", COUNTED)
    assert code == 2 and f"--batch takes a number of packets (1 or more), not {batch}" in err


def test_run_duration_ends_a_run_that_would_not_end(capsys):
    code, out, err = run(capsys, "run", "--duration", "0.2", "-e", "Idle -> Discard")
    assert code == 0, err
    assert "account balances" in out


TWO_COUNTERS = ("InfiniteSource(LIMIT 5, STOP true) -> c1 :: Counter -> c2 :: Counter "
                "-> t :: Tee -> Discard; t[1] -> Discard")


def test_run_h_takes_a_glob_or_a_class_as_click_does(capsys):
    code, out, err = run(capsys, "run", "--quiet", "-e", TWO_COUNTERS, "-h", "c*.count")
    assert (code, out) == (0, "c1.count:\n5\n\nc2.count:\n5\n\n"), err
    code, out, err = run(capsys, "run", "--quiet", "-e", TWO_COUNTERS, "-h", "Counter.count")
    assert (code, out) == (0, "c1.count:\n5\n\nc2.count:\n5\n\n"), err
    code, out, err = run(capsys, "run", "-q", "-e", TWO_COUNTERS, "-h", "Tee.count")
    assert (code, out) == (0, ""), err        # matched, but no Tee has a count handler
    for spec, message in (("x*.count", "no element matching 'x*'"), ("Nope.count",
                                                                      "no element 'Nope'")):
        code, _, err = run(capsys, "run", "-q", "-e", TWO_COUNTERS, "-h", spec)
        assert code == 2 and message in err


def test_every_element_has_clicks_standard_read_handlers(capsys):
    code, out, err = run(capsys, "run", "-q", "-e",
                         "Idle -> rt :: StaticIPLookup(10.0.0.0/8 0, 0/0 1); rt[0] -> Discard; "
                         "rt[1] -> Discard", "-h", "rt.name", "-h", "rt.class", "-h", "rt.config")
    assert (code, out) == (0, "rt.name:\nrt\n\nrt.class:\nStaticIPLookup\n\n"
                              "rt.config:\n10.0.0.0/8 0, 0/0 1\n\n"), err
    code, out, err = run(capsys, "run", "-q", "-e", TWO_COUNTERS, "-h", "c1.handlers")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:4] == ["name\tr", "class\tr", "config\tr", "handlers\tr"]
    assert "count\tr" in lines and "reset\tw" in lines


def test_run_x_exits_with_a_handlers_value(capsys):
    assert run(capsys, "run", "--quiet", "-e", COUNTED, "-x", "c.count")[0] == 5
    active = "Idle -> s :: RandomSample(0.5, ACTIVE false) -> Discard"
    assert run(capsys, "run", "-q", "-e", active, "-x", "s.active")[0] == 1    # false: 1
    code, _, err = run(capsys, "run", "-q", "-e", COUNTED, "-x", "c.class")
    assert code == 1 and "should be an integer or a boolean, not 'Counter'" in err
    code, _, err = run(capsys, "run", "-q", "-e", TWO_COUNTERS, "-x", "Counter.count")
    assert code == 2 and "names 2 handlers, not one" in err


def test_run_o_writes_the_flat_configuration(tmp_path, capsys):
    flat = tmp_path / "flat.click"
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-o", str(flat))
    assert (code, out) == (0, ""), err
    assert "InfiniteSource(LIMIT 5, STOP true) -> c -> Discard;" in flat.read_text()
    code, out, _ = run(capsys, "run", "-q", "-e", COUNTED, "-o", "-")
    assert code == 0 and out == flat.read_text()
    code, out, err = run(capsys, "run", "--quiet", "-e", COUNTED, "-o", str(tmp_path / "no" / "x"),
                         "-h", "c.count")
    assert (code, out) == (1, "5\n") and "cannot write" in err    # reported; the run went on


def test_run_h_without_an_element_reads_the_routers_own_handlers(capsys):
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-h", "list")
    assert (code, out) == (0, "3\nInfiniteSource@1\nc\nDiscard@3\n"), err
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-h", "config", "-h", "flatconfig")
    assert code == 0, err
    assert out.startswith(f"config:\n{COUNTED}\n\nflatconfig:\nc :: Counter;\n")
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-h", "classes")
    assert code == 0 and {"Counter", "IPRewriter", "ToDevice"} <= set(out.split()), err
    code, _, err = run(capsys, "run", "-q", "-e", COUNTED, "-h", "nope")
    assert code == 2 and "no router handler 'nope'" in err


def test_run_workers_print_router_handlers_and_report_handler_errors(capsys):
    code, out, err = run(capsys, "run", "--quiet", "--workers", "2", "-e", COUNTED,
                         "-h", "version", "-h", "c.nope")
    assert code == 1 and "c :: Counter has no read handler 'nope'" in err
    assert out.startswith("version:\n0.")


def test_run_x_and_t_with_workers(capsys):
    """-x reads the workers' combined value (a counter: their sum); -t counts their CPU."""
    code, out, err = run(capsys, "run", "--quiet", "--workers", "2", "-t", "-e", COUNTED,
                         "-x", "c.count")
    assert code in (5, 10), err          # the second worker ran, or was stopped first
    assert re.fullmatch(r"\d+\.\d{3}u \d+\.\d{3}s \d+:\d\d\.\d\d\n", out), out


def test_run_a_pins_the_run_once_compiled(capsys, monkeypatch):
    """Click's -a: the one process is worker 0, pinned after compiling (on every CPU)."""
    from clickpy.runtime import affinity
    from clickpy.runtime.router import Router
    steps = []
    compile_ = Router.compile
    monkeypatch.setattr(Router, "compile", lambda r: steps.append("compile") or compile_(r))
    monkeypatch.setattr(affinity, "pin", lambda w: steps.append(f"pin {w}") or 0)
    code, out, err = run(capsys, "run", "--quiet", "-a", "-e", COUNTED, "-h", "c.count")
    assert (code, out, steps[:2]) == (0, "5\n", ["compile", "pin 0"]), err
    steps.clear()
    code, out, err = run(capsys, "run", "--quiet", "-e", COUNTED, "-h", "c.count")
    assert (code, out) == (0, "5\n") and "pin 0" not in steps, err     # not without -a


def test_run_a_pins_each_worker_to_its_own_cpu(capsys, monkeypatch, tmp_path):
    from clickpy.runtime import workers

    def pin(w):          # in the worker process: leave a trace the test can read
        (tmp_path / f"worker{w}").write_text(str(os.getpid()))
        return w
    monkeypatch.setattr(workers, "pin", pin)
    code, _, err = run(capsys, "run", "--quiet", "-a", "--workers", "2", "-e", COUNTED)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["worker0", "worker1"]
    assert len({p.read_text() for p in tmp_path.iterdir()} | {str(os.getpid())}) == 3


def control_client(path, p):
    """A connection to a running `clickpy run -u path` (retried until it listens) and a
    function that sends a command and returns its reply (status line, and DATA if any)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    deadline = time.monotonic() + 120
    while True:         # the file appears at bind(), before listen()
        try:
            s.connect(str(path))
            break
        except (FileNotFoundError, ConnectionRefusedError):
            assert time.monotonic() < deadline and p.poll() is None, p.stderr.read()
            time.sleep(0.05)
    replies = s.makefile("rb")
    assert replies.readline() == b"Click::ControlSocket/1.3\r\n"

    def ask(command):
        s.sendall(command + b"\n")
        status = replies.readline().decode().rstrip()
        if not status.startswith("200") or not command.upper().startswith(b"READ"):
            return status, None
        size = int(replies.readline().split()[1])
        return status, replies.read(size).decode()
    return s, ask


@pytest.mark.parametrize("workers", [1, 2])
def test_run_u_answers_handler_requests_while_running(tmp_path, capsys, workers):
    """Click's -u: a client reads a counter of the running router (under --workers, the
    workers' sum), resets it in every worker, and writes `stop` to end the run."""
    path = tmp_path / "click.sock"
    p = subprocess.Popen([sys.executable, "-m", "clickpy", "run", "--quiet", "-u", str(path),
                          "--workers", str(workers),
                          "-e", "RatedSource(RATE 1000) -> c :: Counter -> Discard",
                          "-h", "c.count"], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        s, ask = control_client(path, p)
        time.sleep(0.5)                           # some hundreds of packets in
        status, counted = ask(b"READ c.count")
        assert status == "200 Read handler 'c.count' OK" and int(counted) > 0
        assert ask(b"READ c.nope") == ("511 No handler named 'c.nope'", None)
        assert ask(b"READ list")[1].endswith("click_driver@@ControlSocket@0\n")
        assert ask(b"READ click_driver@@ControlSocket@0.filename")[1] == str(path)
        assert ask(b"WRITE c.reset") == ("200 Write handler 'c.reset' OK", None)
        assert int(ask(b"READ c.count")[1]) < int(counted)
        assert ask(b"WRITE stop") == ("200 Write handler 'stop' OK", None)
        out, err = p.communicate(timeout=60)
        s.close()
    finally:
        p.kill()
        p.wait()
    assert p.returncode == 0, err
    assert int(out) < int(counted)                # reset in every worker
    assert not path.exists()


def test_run_p_lists_its_socket_last_and_refuses_a_bad_port(capsys):
    code, out, err = run(capsys, "run", "-q", "-e", COUNTED, "-p", "0", "-h", "list")
    assert (code, out) == (0, "4\nInfiniteSource@1\nc\nDiscard@3\n"
                              "click_driver@@ControlSocket@0\n"), err
    code, _, err = run(capsys, "run", "-q", "-e", COUNTED, "-p", "70000")
    assert code == 2 and "-p 70000: port 70000 is out of range" in err
