"""configs/bridge.click in plain Python: a learning switch between two devices."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph


def build() -> Graph:
    g = Graph("bridge")
    sw = e.EtherSwitch(2)
    for k in range(2):
        g.add(f"sw{k}", sw.port_in(k), 2)
        g.feed(f"eth{k}", f"sw{k}")
        g.sink(f"to_eth{k}")
    for k in range(2):
        for port in range(2):
            g.connect(f"sw{k}", port, f"to_eth{port}")
    return g
