"""`clickpy lab up|down|status TOPO.yaml`: test topologies for people without spare hardware.

`up` builds the namespaces and veth pairs of a topology file (clickpy.netns)
and records the kernel names it made in a state file; `down` removes exactly
those, so a lab never touches namespaces it did not make; `status` shows
whether they still exist, with their interfaces and addresses.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def state_path(topo: str, given: str | None) -> str:
    """Where the state of topology file `topo` lives: --state, else one file per topology path."""
    if given:
        return given
    folder = os.environ.get("CLICKPY_LAB_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "clickpy", "labs")
    stem = os.path.splitext(os.path.basename(topo))[0]
    digest = hashlib.sha256(os.path.abspath(topo).encode()).hexdigest()[:8]
    return os.path.join(folder, f"{stem}-{digest}.json")


def _read_state(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise SystemExit(_fail(f"cannot read state file {path}: {e}"))


def _fail(msg: str) -> int:
    print(f"clickpy lab: error: {msg}", file=sys.stderr)
    return EXIT_ERRORS


def cmd_lab(args: argparse.Namespace) -> int:
    """Build, remove or show a topology of network namespaces joined by veth pairs."""
    from clickpy import netns
    path = state_path(args.topology, args.state)
    recorded = _read_state(path)
    if args.action == "status":
        return _status(args.topology, path, recorded, netns)
    why = netns.available()
    if why is not None:
        return _fail(f"network namespaces unavailable: {why}")
    if args.action == "down":
        if recorded is None:
            print(f"{args.topology}: not up (no state file {path})")
            return EXIT_OK
        gone = netns.down_recorded(recorded)
        left = [n for n in recorded.get("created", []) if netns.netns_exists(n)]
        if left:
            return _fail(f"could not delete {', '.join(left)}; state kept in {path}")
        os.remove(path)
        print(f"removed {', '.join(gone) or 'nothing (already gone)'}")
        return EXIT_OK
    # up
    if recorded is not None:
        alive = [n for n in recorded.get("created", []) if netns.netns_exists(n)]
        if alive:
            return _fail(f"{args.topology} is already up ({', '.join(alive)}); "
                         f"run `clickpy lab down {args.topology}` first")
    try:
        topo = netns.Topology.load(args.topology, prefix=args.prefix)
        topo.up()
    except netns.TopologyError as e:
        return _fail(str(e))
    rec = dict(topo.record(), topology=os.path.abspath(args.topology))
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rec, f, indent=2)
    except OSError as e:
        topo.down()
        return _fail(f"cannot write state file {path}: {e}; removed the topology again")
    for logical, real in topo.names.items():
        print(f"{logical:<8} {real}    ip netns exec {real} ...")
    print(f"state: {path}")
    return EXIT_OK


def _status(topo: str, path: str, recorded: dict | None, netns) -> int:
    if recorded is None:
        print(f"{topo}: not up")
        return EXIT_OK
    for logical, real in recorded.get("namespaces", {}).items():
        if not netns.netns_exists(real):
            print(f"{logical:<8} {real}  (gone)")
            continue
        print(f"{logical:<8} {real}")
        r = netns.ip("-n", real, "-br", "addr", check=False)
        for line in r.stdout.splitlines():
            if not line.startswith("lo "):
                print(f"    {line.strip()}")
    print(f"state: {path}")
    return EXIT_OK


def add_parser(sub) -> None:
    p = sub.add_parser("lab", help="build or remove a test topology of network namespaces",
                       description=cmd_lab.__doc__)
    p.add_argument("action", choices=("up", "down", "status"))
    p.add_argument("topology", metavar="TOPO.yaml", help="topology file (see labs/)")
    p.add_argument("--state", metavar="FILE",
                   help="state file recording what `up` made (default: one per topology file "
                        "under ~/.cache/clickpy/labs or $CLICKPY_LAB_DIR)")
    p.add_argument("--prefix", help="namespace name prefix (default: the file's, else 'cp')")
    p.set_defaults(func=cmd_lab)
