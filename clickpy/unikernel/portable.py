"""Check pass: every element must be able to run inside an image.

Same shape as the passes in clickpy.check (`run(graph) -> Diagnostic`s), run
by `clickpy build` after them.  Elements whose work is host-side Python (they
read or write files, format text for a terminal, or talk to the host's
network stack) have nothing to run on inside a VM.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.graph import node_label

# class name -> why it cannot run in an image, and what to do instead
HOST_ONLY = {
    "FromDump": "reads a pcap file on the host",
    "ToDump": "writes a pcap file on the host",
    "Print": "formats packets on the host (host_flush)",
    "IPPrint": "formats packets on the host (host_flush)",
    "ToHost": "hands packets to the host's network stack",
    "ToHostSniffers": "hands packets to the host's packet sniffers",
    "FromHost": "reads packets from a host tap interface",
    "ControlSocket": "answers handler requests on a host socket (`clickpy handler` reaches an "
                     "image's handlers)",
    "Script": "runs its script in the host driver's Python, between rounds",
    "DriverManager": "runs its script in the host driver's Python, between rounds",
}
HINT = ("an image has only its virtio-net devices: remove it, or replace it in the image "
        "manifest (replace: {CLASS: Discard} or {CLASS: Null})")


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is None:
            continue
        why = HOST_ONLY.get(cls.class_name)
        if why is None and not cls.runnable():
            why = "has no compiled kernel"
        if why is not None:
            yield Diagnostic(f"{node_label(graph, node)} cannot run inside a unikernel image: "
                             f"it {why}", data["pos"], HINT, check="unikernel")
