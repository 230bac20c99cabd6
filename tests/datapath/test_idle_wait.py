"""An idle router sleeps until a device has input or an element's timer is due (idle_wait)."""
import time

from clickpy.check import check_graph
from clickpy.element import IDLE_POLL, lookup
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router


def router(text):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph)


def wake(r, name):
    i = r.element(name)
    return r.classes[i].wake_after(r.values[i], r.S[i])


def test_a_router_with_nothing_to_do_blocks_instead_of_spinning():
    r = router("Idle -> q :: Queue -> d :: Discard;")
    assert wake(r, "d") is None
    r.run(duration=0.4)
    assert r.rounds <= 5          # a fixed 0.5 ms nap would have made hundreds


def test_the_wait_ends_when_an_expiry_timer_is_due():
    r = router("Idle -> Strip(14) -> CheckIPHeader -> rw :: IPRewriter(pattern 1.0.0.1 "
               "1024-65535 - - 0 1, REAP_INTERVAL 1); rw[0] -> Discard; rw[1] -> Discard;"
               "Idle -> aq :: ARPQuerier(10.0.2.1, 00:00:0a:00:02:01, TIMEOUT 30) -> Discard;"
               "Idle -> [1]aq;")
    r.compile()
    r.step()                                   # the first round arms both timers
    assert 0.5 < wake(r, "rw") <= 1.0
    assert 29 < wake(r, "aq") <= 31            # Click reruns it every TIMEOUT + 1 s
    due = wake(r, "rw")
    t = time.monotonic()
    r.idle_wait()
    waited = time.monotonic() - t
    assert due - 0.01 < waited < due + 2       # woken by the gc timer, not before, not never
    r.close()


def test_elements_with_unknown_clock_work_keep_the_old_short_nap():
    assert lookup("RatedSource").wake_after({}, ()) == IDLE_POLL
    assert lookup("Counter").wake_after({}, ()) is None
