"""results.json -> report.md and PNG plots (matplotlib, Agg)."""
from __future__ import annotations

import os
from collections import defaultdict


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _plot(entry: dict, out_dir: str) -> str | None:
    """One PNG per entry, or per group when the entry stands for its group (mbox)."""
    rows = entry.get("rows") or []
    kind = entry.get("plot")
    if not rows or not kind:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cases = list(dict.fromkeys(r["case"] for r in rows))
    impls = list(dict.fromkeys(r["impl"] for r in rows))
    unit = rows[0]["unit"]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(cases) + 3), 4))
    if kind == "bars":
        width = 0.8 / len(impls)
        for k, impl in enumerate(impls):
            xs, ys, lo, hi = [], [], [], []
            for i, c in enumerate(cases):
                r = next((r for r in rows if r["case"] == c and r["impl"] == impl), None)
                if r:
                    xs.append(i + k * width)
                    ys.append(r["median"])
                    lo.append(r["median"] - r["min"])
                    hi.append(r["max"] - r["median"])
            ax.bar(xs, ys, width, yerr=[lo, hi], label=impl, capsize=2)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(cases))])
        ax.set_xticklabels(cases, rotation=30, ha="right", fontsize=8)
        if unit == "Mpps":
            ax.set_yscale("log")
    else:
        xlabel = kind.split(":", 1)[1] if ":" in kind else ""
        by = defaultdict(list)
        for r in rows:
            by[r["impl"]].append((r["extra"].get("x", 0), r["median"], r["min"], r["max"]))
        for impl, pts in by.items():
            pts.sort()
            xs = [p[0] for p in pts]
            ax.errorbar(xs, [p[1] for p in pts],
                        yerr=[[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]],
                        marker="o", label=impl, capsize=2)
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
    ax.set_ylabel(unit)
    ax.set_title(entry["title"], fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    name = f"plot-{entry['name'].replace('.', '-')}.png"
    fig.savefig(os.path.join(out_dir, name), dpi=90)
    plt.close(fig)
    return name


def markdown(results: dict, out_dir: str | None = None) -> str:
    m = results["machine"]
    lines = ["# clickpy benchmark report", "",
             f"- date: {results['date']}",
             f"- command: `{results['command']}`" + (" (quick mode)" if results["quick"] else ""),
             f"- machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}, Python "
             f"{m['python']}, numba {m['numba']}, numpy {m['numpy']}",
             f"- whole run: {results['seconds']} s"]
    for u in results.get("updates", []):
        lines.append(f"- updated {u['date']}: `{u['command']}` re-ran {', '.join(u['benchmarks'])} "
                     f"({u['seconds']} s)")
    lines += ["",
             "Figures are medians over repeats, with the spread (min-max) of the repeats. "
             "Mpps counts packets offered on every input device per second, one core.", ""]
    skipped = [b for b in results["benchmarks"] if b["status"] != "ok"]
    ok = [b for b in results["benchmarks"] if b["status"] == "ok"]
    groups = defaultdict(list)
    for b in ok:
        groups[b["group"]].append(b)
    for k, b in enumerate(ok):
        lines += [f"## {b['name']}: {b['title']}", ""]
        rows = b["rows"]
        base = {r["case"]: r["median"] for r in rows if r["impl"] == "pure Python"}
        lines.append("| case | implementation | median | spread (min-max) | runs | vs pure Python |")
        lines.append("|---|---|---:|---|---:|---:|")
        for r in rows:
            ratio = ""
            if r["case"] in base and base[r["case"]] and r["unit"] == "Mpps":
                ratio = f"{r['median'] / base[r['case']]:.1f}x"
            lines.append(f"| {r['case']} | {r['impl']} | {_fmt(r['median'])} {r['unit']} | "
                         f"{_fmt(r['min'])}-{_fmt(r['max'])} | {len(r['runs'])} | {ratio} |")
        lines.append("")
        bars = b["plot"] == "bars"
        last_of_group = not bars or k + 1 == len(ok) or ok[k + 1]["group"] != b["group"]
        if out_dir and last_of_group:
            members = groups[b["group"]]
            whole = b if b["group"] == b["name"] or any(m["plot"] != "bars" for m in members) else {
                "name": b["group"], "plot": b["plot"],
                "title": f"{b['group']}: " + ", ".join(m["name"] for m in members),
                "rows": [r for m in members for r in m["rows"]]}
            png = _plot(whole, out_dir)
            if png:
                lines += [f"![{whole['name']}]({png})", ""]
        for c in b.get("checks") or []:
            lines.append(f"- {c}")
        for n in b.get("notes") or []:
            lines.append(f"- {n}")
        lines.append("")
    if skipped:
        lines += ["## Not measured here", "", "| benchmark | why |", "|---|---|"]
        for b in skipped:
            lines.append(f"| {b['name']} | {b['status']}: {b['reason']} |")
        lines.append("")
    return "\n".join(lines)


def write_report(results: dict, out_dir: str) -> str:
    text = markdown(results, out_dir)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text)
    return text
