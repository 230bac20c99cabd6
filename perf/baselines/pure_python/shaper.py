"""configs/shaper.click in plain Python: a bounded queue drained by a token bucket."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph

RATE = 10e6 / 8          # the config's default RATE, 10Mbps, in bytes per second


def build() -> Graph:
    g = Graph("shaper")
    shaped, out, back = e.BoundedQueue(1000), e.BoundedQueue(100), e.BoundedQueue(1000)
    g.add("shaped", shaped)
    g.add("back", back)
    g.feed("eth0", "shaped")
    g.feed("eth1", "back")
    g.sink("to_eth0")
    g.sink("to_eth1")
    g.tasks += [e.TokenBucketTask(shaped, out, RATE), e.drain_task(out, g, "to_eth1"),
                e.drain_task(back, g, "to_eth0")]
    return g
