"""configs/wire.click in plain Python: each device's frames leave by the other."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph


def build() -> Graph:
    g = Graph("wire")
    for a, b in (("eth0", "eth1"), ("eth1", "eth0")):
        g.add(f"q_{a}", e.passthrough)
        g.sink(f"to_{b}")
        g.chain(f"q_{a}", f"to_{b}")
        g.feed(a, f"q_{a}")
    return g
