"""The example kernels every other element copies: Strip, Counter, Tee, Queue."""
from kernel_harness import STOLEN, Harness

from clickpy.kernel import drop


def test_strip_removes_bytes_and_empties_short_packets():
    h = Harness("Strip", "14")
    assert h.action(bytes(range(20)))[:2] == (0, bytes(range(14, 20)))
    assert h.action(bytes(10))[:2] == (0, b"")


def test_counter_counts_packets_and_bytes_and_resets():
    h = Harness("Counter")
    for n in (60, 100, 1500):
        assert h.action(bytes(n))[0] == 0
    assert (h.read("count"), h.read("byte_count")) == ("3", "1660")
    h.write("reset")
    assert h.read("count") == "0"


def test_tee_sends_copies_then_the_original():
    h = Harness("Tee", "3", n_outputs=3)
    out = h.push(b"abc")
    assert out == [(0, b"abc"), (1, b"abc"), (2, b"abc")]


def test_queue_is_fifo_and_drops_when_full():
    h = Harness("Queue", "2")
    assert h.action(b"one")[0] == STOLEN
    assert h.action(b"two")[0] == STOLEN
    assert h.action(b"three")[0] == drop(0)
    assert (h.read("length"), h.read("drops")) == ("2", "1")
    assert (h.pull(), h.pull(), h.pull()) == (b"one", b"two", None)


def test_queue_with_two_outputs_sends_overflow_to_output_1():
    h = Harness("Queue", "1", n_outputs=2)
    assert h.action(b"a")[0] == STOLEN
    assert h.action(b"b")[0] == 1
