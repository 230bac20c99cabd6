"""A checked configuration, rewritten for an image: devices become virtio rings.

FromDevice/PollDevice(DEV) become VirtioFromDevice and ToDevice(DEV)
VirtioToDevice on the NIC whose index is DEV's place in the manifest's
device list; classes the manifest replaces (ToHost -> Discard) are swapped
first.  The result is checked again, with the `unikernel` pass added, so
every refusal is a Diagnostic at the element's position.
"""
from __future__ import annotations

import networkx as nx

from clickpy.check import check_graph
from clickpy.diagnostics import Diagnostic
from clickpy.element import lookup
from clickpy.graph import node_label
from clickpy.runtime.bind import READERS, WRITERS, device_of
from clickpy.unikernel.devices import VirtioFromDevice, VirtioToDevice
from clickpy.unikernel import portable


class ImageGraphError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


def _swap(g: nx.MultiDiGraph, node: str, class_name: str, config: str, cls=None) -> None:
    data = g.nodes[node]
    data.update(class_name=class_name, config=config, element=cls or lookup(class_name),
                config_pos=data["pos"], arg_positions=[data["pos"]])
    for key in ("values", "args_ok", "in_processing", "out_processing"):
        data.pop(key, None)


def image_graph(graph: nx.MultiDiGraph, nics: list[str],
                replace: dict[str, str] | None = None) -> nx.MultiDiGraph:
    """The image's graph; raises ImageGraphError with every problem found."""
    g = graph.copy()
    problems: list[Diagnostic] = []
    readers: dict[str, str] = {}
    for node in list(g.nodes):
        data = g.nodes[node]
        new = (replace or {}).get(data["class_name"])
        if new is not None:
            if lookup(new) is None:
                problems.append(Diagnostic(f"image manifest replaces {data['class_name']} by "
                                           f"unknown class {new!r}", data["pos"], check="unikernel"))
                continue
            _swap(g, node, new, "")
            continue
        if data["class_name"] not in READERS + WRITERS:
            continue
        dev = device_of(g, node)
        if dev not in nics:
            problems.append(Diagnostic(
                f"{node_label(g, node)} uses device {dev!r}, which the image does not have",
                data["pos"], f"list it in the manifest's devices (now: {', '.join(nics) or 'none'})",
                check="unikernel"))
            continue
        if data["class_name"] in READERS:
            if dev in readers:
                problems.append(Diagnostic(
                    f"{node_label(g, node)} reads device {dev!r}, already read by {readers[dev]}",
                    data["pos"], "an image gives each device's packets to one reader",
                    check="unikernel"))
                continue
            readers[dev] = node
            _swap(g, node, VirtioFromDevice.class_name, f"{dev}, NIC {nics.index(dev)}",
                  VirtioFromDevice)
        else:
            _swap(g, node, VirtioToDevice.class_name, f"{dev}, NIC {nics.index(dev)}",
                  VirtioToDevice)
    if problems:
        raise ImageGraphError(problems)
    result = check_graph(g)
    found = result.errors or [d for d in portable.run(result.graph)]
    if found:
        raise ImageGraphError(found)
    return result.graph
