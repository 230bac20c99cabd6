"""python3 -m perf.first_packet NAME: load, bind, compile, step to the first packet out.

Prints one JSON line: seconds from interpreter start to the Router built
(`router_s`) and to the first packet leaving a device (`first_packet_s`).
Used by perf/compile_start.py in a fresh process per measurement.
"""
import json
import sys
import time

T_START = time.perf_counter()


def main() -> int:
    from perf import harness, workloads
    name = sys.argv[1]
    work = workloads.MIDDLEBOXES[name]("64", 64)
    box = harness.Box(harness.load(harness.config_path(name)), work)
    t_router = time.perf_counter()
    for part in ("arp", "warm", "main"):
        box.play(part)
        if sum(box.outputs().values()) or (name == "monitor" and box.count("udp")):
            break
    t_first = time.perf_counter()
    print(json.dumps({"router_s": t_router - T_START, "first_packet_s": t_first - T_START}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
