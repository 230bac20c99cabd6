"""Draw an element graph: Graphviz DOT, or SVG/PNG through `dot` or matplotlib.

A Click graph is read by its ports, so each element is a record with its
input ports along the top and its output ports along the bottom, and every
connection runs from an output port to an input port.  Line style says how
packets move: push solid, pull dashed, agnostic ports that the push/pull
check has not resolved dotted.  Graphviz draws this best; when its `dot`
program is missing, matplotlib draws a layered picture instead (elements in
topological generations from left to right, ports written on the edges).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from typing import Any

import networkx as nx

from clickpy.element import AGNOSTIC, PULL, PUSH

log = logging.getLogger(__name__)

ENGINES = ("auto", "dot", "matplotlib")
IMAGE_SUFFIXES = (".svg", ".png", ".pdf")
DOT_SUFFIXES = (".dot", ".gv")
DOT_TIMEOUT = 120  # seconds

EDGE_STYLE = {PUSH: "solid", PULL: "dashed", AGNOSTIC: "dotted"}
EDGE_COLOR = {PUSH: "black", PULL: "#1f5fbf", AGNOSTIC: "#888888"}
LEGEND = ((PUSH, "push"), (PULL, "pull"), (AGNOSTIC, "agnostic (unresolved)"))


class RenderError(Exception):
    """The graph could not be drawn; `hint` says what would fix it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


# ---------------------------------------------------------------------------
# What to draw

def _pos_key(graph: nx.MultiDiGraph, node: Any) -> tuple:
    pos = graph.nodes[node].get("pos")
    return ((0, pos.file, pos.line, pos.col) if pos is not None else (1, "", 0, 0), str(node))


def ordered_nodes(graph: nx.MultiDiGraph) -> list:
    """Nodes in source order, so that drawings are stable."""
    return sorted(graph.nodes, key=lambda n: _pos_key(graph, n))


def ordered_edges(graph: nx.MultiDiGraph) -> list[tuple[Any, Any, dict]]:
    def key(edge):
        u, v, d = edge
        pos = d.get("pos")
        where = (0, pos.file, pos.line, pos.col) if pos is not None else (1, "", 0, 0)
        return (where, str(u), d["src_port"], str(v), d["dst_port"])
    return sorted(graph.edges(data=True), key=key)


def port_counts(graph: nx.MultiDiGraph, node: Any) -> tuple[int, int]:
    """(inputs, outputs): the checked counts, else one past the highest port used."""
    data = graph.nodes[node]
    n_in = data.get("n_inputs")
    n_out = data.get("n_outputs")
    if n_in is None:
        n_in = max((d["dst_port"] + 1 for _, _, d in graph.in_edges(node, data=True)), default=0)
    if n_out is None:
        n_out = max((d["src_port"] + 1 for _, _, d in graph.out_edges(node, data=True)), default=0)
    return n_in, n_out


def _port_processing(data: dict, side: str, port: int) -> str:
    """push/pull/agnostic of one port: the check's answer, else the class's code."""
    resolved = data.get(f"{side}_processing")
    if resolved is not None and port < len(resolved):
        return resolved[port]
    element = data.get("element")
    if element is not None:
        code = element.processing_code()
        return code.input(port) if side == "in" else code.output(port)
    return AGNOSTIC


def edge_processing(graph: nx.MultiDiGraph, u: Any, v: Any, data: dict) -> str:
    """How packets move on a connection: push, pull, or agnostic if unresolved."""
    ends = {_port_processing(graph.nodes[u], "out", data["src_port"]),
            _port_processing(graph.nodes[v], "in", data["dst_port"])}
    for kind in (PUSH, PULL):
        if kind in ends:
            return kind
    return AGNOSTIC


def node_title(graph: nx.MultiDiGraph, node: Any) -> str:
    return f"{node} :: {graph.nodes[node].get('class_name', '?')}"


# ---------------------------------------------------------------------------
# DOT

def _dot_id(text: str) -> str:
    """A DOT quoted string; only the quote is an escape in DOT's own syntax."""
    return '"' + str(text).replace('"', '\\"').replace("\n", " ") + '"'


def _dot_text(text: str) -> str:
    """A DOT escString (tooltips): backslashes doubled so `\\<0800>` shows as written."""
    return _dot_id(str(text).replace("\\", "\\\\"))


def _record_escape(text: str) -> str:
    """Text for a record field: the record syntax characters and spaces escaped."""
    out = []
    for c in str(text):
        if c in "{}|<> ":
            out.append("\\" + c)
        elif c == "\\":
            out.append("\\\\")
        else:
            out.append(c)
    return "".join(out)


def record_label(graph: nx.MultiDiGraph, node: Any) -> str:
    """`{{<i0> 0|<i1> 1}|name :: Class|{<o0> 0}}`: inputs on top, outputs below."""
    n_in, n_out = port_counts(graph, node)
    rows = []
    if n_in:
        rows.append("{" + "|".join(f"<i{p}> {p}" for p in range(n_in)) + "}")
    rows.append(_record_escape(node_title(graph, node)))
    if n_out:
        rows.append("{" + "|".join(f"<o{p}> {p}" for p in range(n_out)) + "}")
    return "{" + "|".join(rows) + "}"


def graph_to_dot(graph: nx.MultiDiGraph, name: str = "clickpy") -> str:
    """The graph in Graphviz DOT: record nodes, port-to-port edges, a legend."""
    lines = [
        f"digraph {_dot_id(name)} {{",
        '  graph [rankdir=TB, nodesep=0.3, ranksep=0.45, fontname="Helvetica"];',
        '  node [shape=record, fontname="Helvetica", fontsize=10, height=0.3];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    for n in ordered_nodes(graph):
        config = graph.nodes[n].get("config")
        tooltip = f"{node_title(graph, n)}({config})" if config else node_title(graph, n)
        lines.append(f"  {_dot_id(n)} [label={_dot_id(record_label(graph, n))}, "
                     f"tooltip={_dot_text(tooltip)}];")
    for u, v, d in ordered_edges(graph):
        kind = edge_processing(graph, u, v, d)
        lines.append(f"  {_dot_id(u)}:o{d['src_port']}:s -> {_dot_id(v)}:i{d['dst_port']}:n "
                     f"[style={EDGE_STYLE[kind]}, color={_dot_id(EDGE_COLOR[kind])}];")
    lines += [
        "  subgraph cluster_legend {",
        '    label="legend"; fontsize=9; style=dashed; color="#aaaaaa";',
        "    node [shape=point, width=0.05, label=\"\"];",
    ]
    for i, (kind, text) in enumerate(LEGEND):
        lines.append(f"    legend_{i}_a -> legend_{i}_b [style={EDGE_STYLE[kind]}, "
                     f"color={_dot_id(EDGE_COLOR[kind])}, label={_dot_id(' ' + text)}];")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Layered layout (for matplotlib)

def _acyclic(graph: nx.MultiDiGraph, nodes: list) -> nx.DiGraph:
    """The graph less the edges that close cycles (found by DFS in source order)."""
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    succ = {n: sorted(set(graph.successors(n)), key=lambda m: _pos_key(graph, m)) for n in nodes}
    state: dict[Any, int] = {}   # 1 on the DFS stack, 2 done
    roots = [n for n in nodes if graph.in_degree(n) == 0] + nodes
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                continue            # back edge: leave it out
            else:
                dag.add_edge(node, child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
    return dag


def layers(graph: nx.MultiDiGraph) -> dict[Any, int]:
    """Each node's layer: its topological generation once cycles are broken."""
    dag = _acyclic(graph, ordered_nodes(graph))
    return {n: i for i, gen in enumerate(nx.topological_generations(dag)) for n in gen}


def layered_layout(graph: nx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """Positions: layers left to right; within a layer, ordered near their predecessors."""
    layer = layers(graph)
    order = ordered_nodes(graph)
    rank = {n: i for i, n in enumerate(order)}
    by_layer: dict[int, list] = {}
    for n in order:
        by_layer.setdefault(layer[n], []).append(n)
    y: dict[Any, float] = {}
    for k in sorted(by_layer):
        def barycenter(n):
            ys = [y[p] for p in graph.predecessors(n) if p in y]
            return (sum(ys) / len(ys) if ys else float("inf"), rank[n])
        column = sorted(by_layer[k], key=barycenter) if k else by_layer[k]
        for i, n in enumerate(column):
            y[n] = float(i)
    pos = {}
    for k, column in by_layer.items():
        middle = (len(column) - 1) / 2
        for n in column:
            pos[n] = (float(k), middle - y[n])
    return pos


# ---------------------------------------------------------------------------
# Output

def _run_dot(dot_text: str, path: str, fmt: str) -> None:
    try:
        proc = subprocess.run(["dot", f"-T{fmt}", "-o", path], input=dot_text.encode(),
                              capture_output=True, timeout=DOT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RenderError(f"graphviz dot failed: {e}", "try --engine matplotlib") from None
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"graphviz dot failed: {message}",
                          "write a .dot file and run dot yourself to see the problem")


X_SPACING = 2.2      # data units between layers; one unit is INCH_PER_UNIT on paper
INCH_PER_UNIT = 0.85
MAX_PIXELS = 40e6    # a PNG of a huge graph stays within a few hundred MB while drawn


def _draw_matplotlib(graph: nx.MultiDiGraph, path: str) -> None:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    pos = {n: (x * X_SPACING, y) for n, (x, y) in layered_layout(graph).items()}
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    x0, x1 = min(xs) - 1.2, max(xs) + 1.2
    y0, y1 = min(ys) - 1.0, max(ys) + 1.4          # room above for the legend
    fig = Figure(figsize=((x1 - x0) * INCH_PER_UNIT, (y1 - y0) * INCH_PER_UNIT))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")     # so that curve midpoints computed here match the drawing
    boxes = {}
    for n in ordered_nodes(graph):
        x, y = pos[n]
        label = f"{n}\n{graph.nodes[n].get('class_name', '?')}"
        boxes[n] = ax.text(x, y, label, ha="center", va="center", fontsize=7, zorder=1,
                           bbox=dict(boxstyle="round,pad=0.35", fc="#f6f6f6", ec="#333333", lw=0.8))
    parallel: dict[tuple, int] = {}
    for u, v, d in ordered_edges(graph):
        kind = edge_processing(graph, u, v, d)
        k = parallel.get((u, v), 0)
        parallel[(u, v)] = k + 1
        (xa, ya), (xb, yb) = pos[u], pos[v]
        label = f"{d['src_port']}\u2192{d['dst_port']}"
        style = dict(color=EDGE_COLOR[kind], lw=0.9, linestyle=EDGE_STYLE[kind])
        if u == v:    # a self-loop: a small circle above the box
            ax.add_patch(Circle((xa, ya + 0.38), 0.14, fill=False, zorder=0,
                                                   **style))
            lx, ly = xa, ya + 0.6
        else:
            backwards = xb <= xa
            rad = (0.35 if backwards else 0.0) + 0.2 * k
            # Drawn after the boxes (higher zorder): a box's outline is only
            # placed when the box is drawn, and the arrow is clipped to it.
            ax.annotate("", xy=(xb, yb), xytext=(xa, ya), zorder=2,
                        arrowprops=dict(arrowstyle="-|>", mutation_scale=9, shrinkA=1, shrinkB=1,
                                        connectionstyle=f"arc3,rad={rad}",
                                        patchA=boxes[u].get_bbox_patch(),
                                        patchB=boxes[v].get_bbox_patch(), **style))
            # Midpoint of matplotlib's arc3 curve (a quadratic Bezier).
            dx, dy = xb - xa, yb - ya
            lx, ly = (xa + xb) / 2 + 0.5 * rad * dy, (ya + yb) / 2 - 0.5 * rad * dx
        ax.text(lx, ly, label, fontsize=6, ha="center", va="center", color=EDGE_COLOR[kind],
                zorder=3, bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    handles = [Line2D([], [], color=EDGE_COLOR[k], linestyle=EDGE_STYLE[k], label=t)
               for k, t in LEGEND]
    ax.legend(handles=handles, loc="upper left", fontsize=6, title="legend", title_fontsize=6)
    width, height = fig.get_size_inches()
    dpi = min(150.0, (MAX_PIXELS / (width * height)) ** 0.5)   # big graphs: fewer dots per inch
    with matplotlib.rc_context({"svg.fonttype": "none"}):   # keep text searchable in SVG
        fig.savefig(path, dpi=dpi)


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def render(graph: nx.MultiDiGraph, path: str, engine: str = "auto") -> None:
    """Draw `graph` to `path`; the suffix picks the format (.dot, .svg, .png, .pdf).

    engine "auto" uses Graphviz `dot` when it is installed, else matplotlib;
    "dot" and "matplotlib" insist on one.  Raises RenderError, never a
    traceback a user would have to read.
    """
    if engine not in ENGINES:
        raise RenderError(f"unknown drawing engine {engine!r}", f"use one of {', '.join(ENGINES)}")
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix in DOT_SUFFIXES:
            with open(path, "w", encoding="utf-8") as f:
                f.write(graph_to_dot(graph))
            return
        if suffix not in IMAGE_SUFFIXES:
            raise RenderError(f"cannot tell the drawing format of {path!r}",
                              "name the output .svg, .png, .pdf or .dot")
        if engine in ("auto", "dot") and shutil.which("dot"):
            _run_dot(graph_to_dot(graph), path, suffix[1:])
            return
        if engine == "dot":
            raise RenderError("graphviz 'dot' is not installed",
                              "apt-get install graphviz, or use --engine matplotlib")
        if not _have_matplotlib():
            if engine == "matplotlib":
                raise RenderError("matplotlib is not installed", "pip install matplotlib")
            raise RenderError(f"cannot draw {path}: neither graphviz nor matplotlib is installed",
                              "apt-get install graphviz, or pip install matplotlib; "
                              "or write a .dot file instead")
        log.debug("drawing %s with matplotlib", path)
        try:
            _draw_matplotlib(graph, path)
        except (ValueError, RuntimeError, MemoryError) as e:   # e.g. an image too large
            log.debug("matplotlib failed", exc_info=True)
            raise RenderError(f"matplotlib could not draw {path}: {e}",
                              "write a .dot file instead, or install graphviz") from None
    except OSError as e:
        raise RenderError(f"cannot write {path}: {e.strerror or e}",
                          "check that the directory exists and is writable") from None
