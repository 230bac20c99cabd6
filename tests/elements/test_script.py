"""Script and DriverManager: Click's instructions, substitutions, types and handlers, run
against real Routers (host-side, between bursts of the compiled data path)."""
import logging
import os
import signal
import threading
import time

import pytest

from clickpy.check import check_graph
from clickpy.cli import main
from clickpy.compile.plan import PlanError
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime import workers
from clickpy.runtime.control_socket import Refused, RouterHandlers
from clickpy.runtime.router import HandlerError, Router
from clickpy.script.text import expand, pop_word, unquote_text

IDLE = "Idle -> c :: Counter -> Discard;\n"


def checked(text, yaml=False):
    return check_graph(build_graph(parse_text(text, "t.yaml" if yaml else "t.click", yaml=yaml)))


def router(text, yaml=False):
    result = checked(text, yaml)
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph, config_text=text)


def errors(text):
    result = checked(text)
    if not result.ok:
        return [str(d) for d in result.errors]
    with pytest.raises(PlanError) as e:
        Router(result.graph, config_text=text)
    return [str(d) for d in e.value.diagnostics]


def run(text, duration=5.0):
    """Run until the configuration stops; the seconds it took, compiling not counted (the
    test fails at duration)."""
    r = router(text)
    r.compile()
    t = time.monotonic()
    r.run(duration=duration)
    took = time.monotonic() - t
    assert r.stopped, f"did not stop within {duration}s"
    return r, took


def out_of(capsys, text, duration=5.0):
    run(text, duration)
    return capsys.readouterr()


# ---- text rules --------------------------------------------------------------------------
def test_words_quotes_and_substitutions_follow_confparse():
    assert pop_word('  "a b" c  d') == ('"a b"', "c  d")
    assert unquote_text('"a\\tb" \'$x\' c') == "a\tb $x c"
    vars_ = {"x": 'say "hi"', "y": "1"}

    def look(name, kind, quote):
        v = vars_.get(name)
        return None if v is None else (v.replace('"', '\\"') if quote else v)
    assert expand("$x ${y} '$y' $z $", look) == 'say "hi" 1 \'$y\' $z $'
    assert expand('"$x"', look) == '"say \\"hi\\""'
    assert expand("$x", look, expand_quote=True) == '"say \\"hi\\""'


# ---- arithmetic and comparison handlers (Click's documented examples) -------------------
@pytest.mark.parametrize("handler, param, value", [
    ("add", "10 5 2", "17"), ("sub", "10 5 2", "3"), ("mul", "2 3 4", "24"),
    ("div", "10 4", "2.5"), ("div", "10 5", "2"), ("idiv", "7 2", "3"), ("add", "1.5 1", "2.5"),
    ("add", "", "0"), ("add", "0x10 010", "24"),
    ("eq", "10 0xA", "true"), ("le", "9 8", "false"), ("eq", "10x 10x", "true"),
    ("lt", "abc abd", "true"), ("ne", "1 1.0", "false"), ("gt", "2 1", "true"),
    ("ge", "1 1", "true"), ("not", "true", "false"), ("not", "0", "true"),
    ("sprintf", '"%05x" 127', "0007f"), ("sprintf", '"%d-%s %%" 5 "a b"', "5-a b %"),
    ("sprintf", '"%*d|" 4 7', "   7|"),
    ("mod", "7 3", "1"), ("mod", "-7 3", "-1"), ("rem", "-7 3", "-1"), ("rem", "7.5 2", "1.5"),
    ("neg", "4", "-4"), ("neg", "0x10", "-16"), ("abs", "-2.5", "2.5"),
    ("min", "3 1 2", "1"), ("max", "5 10 2", "10"), ("and", "true yes 1", "true"),
    ("and", "true false", "false"), ("nand", "true true", "false"), ("nor", "0 0", "true"),
    ("or", "false 0 no", "false"), ("if", "true a b", "a"), ("if", "false a b", "b"),
    ("if", "false a", ""), ("in", "foo bar foo", "true"), ("in", "d a b c", "false"),
    ("first", "x y", "x"), ("length", "abcdef", "6"), ("length", '"abc"', "5"),
    ("unquote", '"a\\"b"', 'a"b'), ("htons", "1", "256"), ("ntohl", "1", "16777216"),
    ("random", "5 5", "5"),
])
def test_arithmetic_handlers(handler, param, value):
    r = router(IDLE + "s :: Script(TYPE PASSIVE)")
    assert r.read("s", handler, param) == value


def test_arithmetic_handlers_refuse_what_is_not_a_number():
    r = router(IDLE + "s :: Script(TYPE PASSIVE)")
    with pytest.raises(HandlerError, match="expected list of numbers"):
        r.read("s", "add", "1 x")
    with pytest.raises(HandlerError, match="expected two numbers"):
        r.read("s", "eq", "1")
    with pytest.raises(HandlerError, match="expected two numbers"):
        r.read("s", "mod", "7.5 2")
    with pytest.raises(HandlerError, match="bad N"):
        r.read("s", "random", "0")
    assert 0 <= int(r.read("s", "random", "10")) < 10
    assert r.read("s", "readable", "c.count s.add list") == "true"
    assert r.read("s", "readable", "c.count c.nothing") == "false"
    assert r.read("s", "writable", "c.reset s.step stop") == "true"
    assert r.read("s", "writable", "c.count") == "false"
    assert float(r.read("s", "now")) > 1e9


def test_variable_handlers_and_cat(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text('say "hi"\n')
    r = router(IDLE + "s :: Script(TYPE PASSIVE, init v 1, return $(shift args)-$(get args))")
    assert r.read("s", "get", "v") == "1"
    r.write("s", "set", "v a b c")
    assert r.read("s", "shift", "v") == "a" and r.read("s", "get", "v") == "b c"
    assert r.read("s", "run", "x y z") == "x-y z"
    with pytest.raises(HandlerError, match="undefined variable 'w'"):
        r.read("s", "get", "w")
    assert r.read("s", "cat", str(f)) == 'say "hi"\n'
    assert r.read("s", "catq", str(f)) == '"say \\"hi\\"\\n"'
    handlers = RouterHandlers(r)                 # as ControlSocket's clients see them
    for private in ("s.cat", "s.catq", "s.kill"):
        with pytest.raises(Refused, match="No handler named"):
            handlers.find(private)
    assert handlers.find("s.add") == ("s", "add", True, False)
    r = router(f"s :: Script(TYPE PASSIVE); t :: Script(TYPE PASSIVE, return $(s.cat {f}))")
    assert r.read("t", "run") == 'say "hi"\n'


# ---- instructions ----------------------------------------------------------------------
def test_loop_with_labels_and_handler_substitution_prints_0_to_4(capsys):
    out = out_of(capsys, "s :: Script(set x 0, label begin_loop, print $x, "
                         "set x $(s.add $x 1), goto begin_loop $(lt $x 5), stop)")
    assert out.out == "0\n1\n2\n3\n4\n"


def test_print_quoting_rules_and_handler_reads(capsys):
    out = out_of(capsys, IDLE + """Script(print c.count, print "c.count", print '"c.count"',
        set x c.count, print $x, print $($x), set y "$(c.count)", print $y,
        setq z "$(c.count)", print $z, printn "no newline", print "", printq "c.count",
        printnq c.count, stop)""")
    assert out.out == '0\nc.count\n"c.count"\nc.count\n0\n"0"\n0\nno newline\nc.count\n0'


def test_print_to_a_file_and_append(tmp_path, capsys):
    f = tmp_path / "out.txt"
    out = out_of(capsys, f'Script(print >{f} "one", print >>{f} "two", printn >>{f} $(add 1 2),'
                         f' print > - "to stdout", stop)')
    assert f.read_text() == "one\ntwo\n3"
    assert out.out == "to stdout\n"


def test_read_prints_name_and_value_to_stderr(capsys):
    out = out_of(capsys, IDLE + 's :: Script(read c.count, readq "s.add 1 2", stop)')
    assert out.err == "c.count:\n0\ns.add:\n3\n"
    assert out.out == ""


def test_write_sets_the_status_variable(capsys):
    out = out_of(capsys, IDLE + "src :: InfiniteSource(ACTIVE false) -> Discard;"
                 "Script(write src.limit 7, print $?, write src.limit notanumber, print $?,"
                 " write c.reset, print $? $(src.limit), writeq \"src.active\" false, stop)")
    assert out.out == "0\n-22\n0 7\n"


def test_pause_and_the_step_handler():
    r = router(IDLE + 's :: Script(pause, set a 1, pause 2, set b 1, wait, set c 1, '
                      'return "$a $b $c")')
    i = r.element("s")
    script = r.classes[i]._run(r.S[i])
    r.step()
    assert script.vars["a"] == ""
    r.write("s", "step")
    assert script.vars["a"] == "1" and script.vars["b"] == ""
    r.write("s", "step")
    assert script.vars["b"] == ""
    r.write("s", "step", "2")          # the second of pause 2, then the wait
    assert script.vars["b"] == "1" and script.vars["c"] == "1"
    with pytest.raises(HandlerError, match="syntax error"):
        r.write("s", "step", "x")


def test_goto_handler_and_pseudo_labels(capsys):
    r = router('s :: Script(pause, label a, print "at a", pause, print "after", label z, '
               'print "z", goto end, print "never")')
    r.step()
    r.write("s", "goto", "a")
    assert capsys.readouterr().out == "at a\n"
    r.write("s", "goto", "z")
    assert capsys.readouterr().out == "z\n"
    with pytest.raises(HandlerError, match="jump to nonexistent label"):
        r.write("s", "goto", "nowhere")
    out = out_of(capsys, 'Script(set n 0, label l, set n $(add $n 1), goto begin $(lt $n 0),'
                         ' goto l $(lt $n 3), print $n, goto exit, print "never")'
                         '; Script(wait 0.05s, stop)')
    assert out.out == "3\n"


def test_loop_end_exit_and_error(capsys, caplog):
    caplog.set_level(logging.ERROR)
    out = out_of(capsys, 'Script(print "a", end, print "never");'
                         'Script(print "b", exit);'
                         'Script(errorq "oh \\"no\\"", print "never");'
                         'Script(init n 0, set n $(add $n 1), goto error $(eq $n 2), loop);'
                         'Script(wait 0.1s, goto stop, print "never")')
    assert sorted(out.out.split()) == ["a", "b"]
    assert 'oh "no"' in caplog.text


def test_initq_braces_wait_step_and_error(capsys, caplog):
    caplog.set_level(logging.ERROR)
    r = router('s :: Script(init a "x y", initq b "x y", print "${a}|${b}|$a", wait_step, '
               'error "failed at $(add 1 1)", print "never")')
    r.step()
    assert capsys.readouterr().out == '"x y"|x y|"x y"\n'
    with pytest.raises(HandlerError, match="script error"):
        r.write("s", "step")
    assert 's :: Script: "failed at 2"' in caplog.text


def test_the_loop_guard_disables_a_script_that_never_blocks(capsys, caplog):
    caplog.set_level(logging.ERROR)
    out = out_of(capsys, 's :: Script(set n 0, label a, set n $(add $n 1), goto a);'
                         'Script(wait 0.05s, print $(s.run), stop)')
    assert "s :: Script: too many jumps, giving up" in caplog.text
    assert out.out == "\n"


def test_wait_time_is_honoured(capsys):
    r, took = run('Script(wait 0.2s, print "done", stop)')
    assert 0.19 <= took < 0.6, took
    assert capsys.readouterr().out == "done\n"
    r, took = run("Script(wait_time 100ms, wait_for 0.1, stop)")
    assert 0.19 <= took < 0.6, took
    r, took = run("Idle -> Discard; Script(wait 0.3s, stop)")
    assert 0.29 <= took < 0.8 and r.rounds < 20, (took, r.rounds)     # slept, did not spin


def test_a_step_ends_a_wait_early(capsys):
    r, took = run('s :: Script(wait 10s, print "woken", stop); Script(wait 0.1s, write s.step)')
    assert took < 1.0
    assert capsys.readouterr().out == "woken\n"


def test_init_runs_once_and_return_ends(capsys):
    r = router(IDLE + "s :: Script(TYPE PASSIVE, init n 10, set n $(add $n 1), return $n)")
    assert r.read("s", "run") == "11"
    assert r.read("s", "run") == "12"


def test_export_makes_a_read_handler_of_a_variable():
    """Click's export VAR VALUE: init, plus a read handler VAR with its current value;
    exportq unquotes; other scripts, ControlSocket and the handlers list find them."""
    r = router(IDLE + 's :: Script(TYPE PASSIVE, export n 10, exportq q "a b", '
               'set n $(add $n 1), return $n);'
               "t :: Script(TYPE PASSIVE, return $(s.n)-$(s.q))")
    assert (r.read("s", "n"), r.read("s", "q")) == ("10", "a b")
    assert r.read("s", "run") == "11" and r.read("s", "n") == "11"
    assert r.read("t", "run") == "11-a b"
    assert {"n\tr", "q\tr"} <= set(r.read("s", "handlers").splitlines())
    assert RouterHandlers(r).find("s.n")[1:3] == ("n", True)
    with pytest.raises(HandlerError):
        r.read("s", "nope")


def test_passive_run_handler_gets_its_arguments():
    r = router(IDLE + 's :: Script(TYPE PASSIVE, return "$# [$1] [$2] [$3] $args")')
    assert r.read("s", "run", "a  b") == '"2 [a] [b] [] a  b"'
    r = router(IDLE + "s :: Script(TYPE PASSIVE, returnq \"$(add $1 $2)\")")
    assert r.read("s", "run", "3 4") == "7"
    r.write("s", "run", "1 2")


def test_passive_scripts_sum_two_counters():
    r = router("InfiniteSource(LIMIT 3, STOP true) -> c1 :: Counter -> Discard;"
               "InfiniteSource(LIMIT 4) -> c2 :: Counter -> Discard;"
               "s :: Script(TYPE PASSIVE, return $(add $(c1.count) $(c2.count)))")
    r.run(duration=5)
    assert r.read("s", "run") == "7"


def test_router_handlers_without_an_element_name(capsys):
    out = out_of(capsys, "Script(print $(version), print list, stop)")
    lines = out.out.splitlines()
    assert lines[0] and lines[1] == "1" and lines[2] == "Script@1"


# ---- stopping: Script's stop, DriverManager --------------------------------------------
def test_a_script_stop_ends_the_run_without_a_driver_manager():
    r, took = run("InfiniteSource(STOP false) -> Discard; Script(wait 0.1s, stop)")
    assert took < 1.0


def test_driver_manager_waits_for_both_sources():
    slow = "RatedSource(RATE 100, LIMIT 20, STOP true) -> c2 :: Counter -> Discard;"
    fast = "InfiniteSource(LIMIT 5, STOP true) -> c1 :: Counter -> Discard;"
    r, _ = run(fast + slow)                         # no DriverManager: the first stop ends it
    assert r.read("c1", "count") == "5" and int(r.read("c2", "count")) < 20
    for dm in ("DriverManager(pause 2)", "DriverManager(wait_stop 2)",
               "Script(TYPE DRIVER, wait_stop, pause)"):
        r, _ = run(fast + slow + dm)
        assert (r.read("c1", "count"), r.read("c2", "count")) == ("5", "20"), dm
    r, _ = run(fast + slow + "DriverManager")      # empty: one stop, then stop
    assert int(r.read("c2", "count")) < 20


def test_driver_manager_runs_its_script_after_the_stop(capsys):
    r, took = run("InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard;"
                  'DriverManager(pause, print "stopping after $(c.count)", write c.reset, '
                  "wait 0.2s, print $(c.count))")
    assert 0.19 <= took < 1.0
    assert capsys.readouterr().out == "stopping after 5\n0\n"


def test_write_stop_steps_the_driver_manager(capsys):
    r, took = run('DriverManager(pause, print "first", pause, print "second");'
                  "Script(write stop, wait 0.1s, write stop)")
    assert 0.09 <= took < 1.0
    assert capsys.readouterr().out == "first\nsecond\n"


def test_a_driver_manager_stop_instruction_stops_at_once():
    r, took = run("InfiniteSource(STOP false) -> Discard; DriverManager(wait 0.1s, stop)")
    assert 0.09 <= took < 1.0


# ---- signal scripts ------------------------------------------------------------------
@pytest.fixture
def harmless_signals():
    """USR1, USR2 and HUP do nothing outside the scripts (a late one cannot end pytest)."""
    sigs = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP)
    saved = {s: signal.signal(s, lambda *a: None) for s in sigs}
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def test_signal_scripts_run_on_their_signals_and_are_caught_again_after_end(
        capsys, harmless_signals):
    before = signal.getsignal(signal.SIGUSR1)
    r = router('Idle -> Discard; Script(TYPE SIGNAL USR1 HUP, print "got $(s.add 1 1)", end);'
               's :: Script(TYPE PASSIVE);'
               'Script(TYPE SIGNAL 12, print "usr2");'
               'Script(wait 0.6s, stop)')
    kill = [threading.Timer(t, os.kill, (os.getpid(), sig)) for t, sig in
            ((0.1, signal.SIGUSR1), (0.25, signal.SIGHUP), (0.4, signal.SIGUSR2))]
    for k in kill:
        k.start()
    t = time.monotonic()
    r.run(duration=5)
    assert r.stopped and time.monotonic() - t < 2.0
    assert capsys.readouterr().out == "got 2\ngot 2\nusr2\n"
    assert signal.getsignal(signal.SIGUSR1) is before        # given back at the end


def test_a_signal_wakes_an_idle_router_at_once(capsys, harmless_signals):
    r = router('Idle -> Discard; Script(TYPE SIGNAL USR1, print "woken", write stop)')
    threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    t = time.monotonic()
    r.run(duration=5)
    assert r.stopped and time.monotonic() - t < 0.5
    assert capsys.readouterr().out == "woken\n"


# ---- configuration errors --------------------------------------------------------------
def test_bad_instructions_and_labels_are_configuration_errors():
    e = errors("Script(print 1, frobnicate 2)")
    assert len(e) == 1 and "syntax error at 'frobnicate'" in e[0] and "t.click:1:" in e[0]
    assert "no such label 'nowhere'" in errors("Script(goto nowhere)")[0]
    for bad in ("label", "label a b", "pause x", "wait 1x", "set x", "end now", "stop 1"):
        assert "syntax error" in errors(f"Script({bad})")[0], bad
    assert "bad TYPE" in errors("Script(TYPE FOO)")[0]
    assert "bad signal number" in errors("Script(TYPE SIGNAL, print 1)")[0]
    assert "bad signal number" in errors("Script(TYPE SIGNAL INT KILL)")[0]
    two = errors("DriverManager(stop); Script(TYPE DRIVER, stop)")
    assert len(two) == 1 and "router has more than one Script element" in two[0]


def test_yaml_configurations_take_scripts(capsys):
    text = ("elements:\n  s:\n    class: Script\n"
            "    args: ['set x 2', 'print $(mul $x 21)', stop]\n")
    run_r = router(text, yaml=True)
    run_r.run(duration=5)
    assert run_r.stopped and capsys.readouterr().out == "42\n"


def test_images_refuse_scripts():
    from clickpy.unikernel.imagegraph import ImageGraphError, image_graph
    result = checked("FromDevice(eth0) -> Discard;\nDriverManager(pause);\n")
    with pytest.raises(ImageGraphError) as e:
        image_graph(result.graph, ["eth0"])
    (d,) = e.value.diagnostics
    assert "DriverManager" in d.message and "cannot run inside a unikernel image" in d.message
    assert d.pos.line == 2


def test_workers_refuse_scripts():
    result = checked(IDLE + "DriverManager(stop)")
    assert "would run in every worker" in workers.refusal(result.graph)


def test_clickpy_run_e_runs_a_script_end_to_end(capsys):
    code = main(["run", "--quiet", "-e", 'Idle -> c :: Counter -> Discard;'
                 's :: Script(print "hello", set x 6, print $(mul $x 7), stop)', "-h", "c.count"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("hello\n42\n") and out.rstrip().endswith("0")
    code = main(["run", "--quiet", "-e", "Script(goto nowhere)"])
    out, err = capsys.readouterr()
    assert code == 1 and "<expr>:1:" in err and "no such label 'nowhere'" in err
