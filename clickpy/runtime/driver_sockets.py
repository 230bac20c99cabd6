"""Click's driver options -p PORT and -u FILE: ControlSocket elements added to a configuration.

Click's driver adds one ControlSocket per option, named
click_driver@@ControlSocket@N, after the configuration's own elements; so
does this.  The graph must be checked again afterwards (it parses the new
elements' arguments).
"""
from __future__ import annotations

import networkx as nx

from clickpy.diagnostics import SourcePos
from clickpy.element import lookup
from clickpy.runtime.bind import quote

WHERE = "<command line>"


def add_control_sockets(graph: nx.MultiDiGraph, ports: list[str],
                        files: list[str]) -> nx.MultiDiGraph:
    """A copy of the graph with a ControlSocket(TCP, PORT) per port and a
    ControlSocket(UNIX, FILE) per file."""
    g = graph.copy()
    configs = [f"TCP, {p}" for p in ports] + [f"UNIX, {quote(f)}" for f in files]
    for k, config in enumerate(configs):
        pos = SourcePos(WHERE, k + 1, 1)
        g.add_node(f"click_driver@@ControlSocket@{k}", class_name="ControlSocket",
                   config=config, pos=pos, config_pos=pos, arg_positions=[pos, pos],
                   anonymous=False, element=lookup("ControlSocket"), driver=True)
    return g
