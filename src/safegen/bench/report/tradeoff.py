"""The executable-test tables (func@1, sec@1, func-sec@1 per split and per CWE) and the trade-off chart.

Shared by the Markdown and HTML reports. The chart is inline SVG; every point carries its figures as
``data-`` attributes, so a test can check the picture against the table without a screenshot.
"""

from __future__ import annotations

from html import escape

from safegen.bench.report.executable import (
    ALL,
    FUNC,
    FUNC_SEC,
    SEC,
    ExecChange,
    ExecTally,
    exec_change,
)
from safegen.bench.report.summary import RunSummary

SPLIT_ORDER = ("test", "dev", ALL)
SPLIT_LABEL = {"test": "test (claims)", "dev": "dev (tuning)", ALL: "all valid rows"}
CAPTION = ("Executable tests in the sandbox (SecCodePLT's capability and safety cases): func@1 = all capability "
           "cases pass, sec@1 = all safety cases pass, func-sec@1 = both. Every output counts; no code, an error "
           "or a hang fails.")


def rate_cell(tally: ExecTally, which: str) -> str:
    rate = tally.rate(which)
    count = {FUNC: tally.func, SEC: tally.sec, FUNC_SEC: tally.func_sec}[which]
    return "–" if rate is None else f"{100 * rate:.1f}% ({count}/{tally.outputs})"


def shown_splits(run: RunSummary) -> list[str]:
    """The splits a run's row shows: the one it was limited to, else each split it covers and "all"."""
    if run.split:  # a part of dev ("dev-sample") is reported as dev
        names = (run.split, "dev") if run.split.startswith("dev") else (run.split,)
        return [name for name in names if name in run.executable][:1]
    return [name for name in SPLIT_ORDER if name in run.executable]


def exec_rows(runs: list[RunSummary]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the headline table: one row per run and split."""
    header = ["strategy", "split", "outputs", "func@1", "sec@1", "func-sec@1", "LLM calls/task", "s/task"]
    rows = []
    for run in runs:
        for split in shown_splits(run):
            tally = run.executable[split]
            rows.append([run.label, SPLIT_LABEL.get(split, split), f"{tally.outputs}/{run.expected}",
                         rate_cell(tally, FUNC), rate_cell(tally, SEC), rate_cell(tally, FUNC_SEC),
                         f"{run.llm_calls:.1f}", f"{run.seconds:.1f}"])
    return header, rows


def cwe_rows(runs: list[RunSummary]) -> tuple[list[str], list[list[str]]]:
    """Per CWE: func-sec@1 of each run, with func@1 / sec@1 after it."""
    shown = [r for r in runs if r.executable_cwe]
    cwes = sorted({c for r in shown for c in r.executable_cwe}, key=lambda c: int(c.split("-")[1]))
    header = ["CWE"] + [f"{r.label}: func-sec (func / sec)" for r in shown]
    rows = []
    for cwe in cwes:
        cells = [cwe]
        for run in shown:
            tally = run.executable_cwe.get(cwe)
            cells.append("–" if tally is None else
                         f"{tally.func_sec}/{tally.outputs} ({tally.func} / {tally.sec})")
        rows.append(cells)
    return header, rows


def exec_changes(runs: list[RunSummary]) -> list[ExecChange]:
    """Each run with executable verdicts against the first such run listed (the reference), output by output;
    runs that share no judged output with it are left out."""
    shown = [run for run in runs if run.executable]
    changes = [exec_change(run.label, run.outcomes, shown[0].label, shown[0].outcomes) for run in shown[1:]]
    return [change for change in changes if change.outputs]  # a run on other tasks has nothing to compare


def change_table(runs: list[RunSummary]) -> tuple[str, str, list[str], list[list[str]]] | None:
    """Title, caption, header and rows of the task-by-task table (gained and lost per measure against the first
    run listed); None with fewer than two runs with executable verdicts."""
    changes = exec_changes(runs)
    if not changes:
        return None
    reference = changes[0].reference
    caption = (f"On the outputs both runs judged: how many pass in the run and fail in {reference} (+), and the "
               "reverse (-). The first run listed is the reference: list the run to compare against first.")
    header = ["strategy", "outputs both judged", "func-sec", "func", "sec"]
    rows = [[change.label, str(change.outputs)]
            + [f"+{change.gained[m]} / -{change.lost[m]}" for m in (FUNC_SEC, FUNC, SEC)] for change in changes]
    return f"Executable tests against {reference}, task by task", caption, header, rows


def points(runs: list[RunSummary]) -> list[tuple[str, str, float, float]]:
    """(run label, split, func@1, sec@1) per run and split; "all" only for a run without split figures.

    Test points come last, so that they are drawn on top.
    """
    out = []
    for run in runs:
        splits = [s for s in shown_splits(run) if s != ALL] or shown_splits(run)
        for split in sorted(splits, key=lambda name: name == "test"):
            tally = run.executable[split]
            func, sec = tally.rate(FUNC), tally.rate(SEC)
            if func is not None and sec is not None:
                out.append((run.label, split, func, sec))
    return out


def tradeoff_chart(runs: list[RunSummary], title: str, size: int = 420) -> str:
    """func@1 (x) against sec@1 (y), one point per run and split; test points filled, others hollow."""
    data = points(runs)
    if not data:
        return ""
    pad, legend_width = 48, 300
    inner = size - 2 * pad
    colors = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
    color_of: dict[str, str] = {}
    for label, _, _, _ in data:
        color_of.setdefault(label, colors[len(color_of) % len(colors)])
    width = size + legend_width
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{size}" viewBox="0 0 {width} {size}" '
             f'role="img" aria-label="{escape(title)}" id="tradeoff">', f"<title>{escape(title)}</title>",
             f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = pad + tick * inner, pad + (1 - tick) * inner
        parts.append(f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{pad + inner}" stroke="#eee"/>')
        parts.append(f'<line x1="{pad}" y1="{y:.1f}" x2="{pad + inner}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{x:.1f}" y="{pad + inner + 14}" font-size="10" text-anchor="middle">{tick:.0%}</text>')
        parts.append(f'<text x="{pad - 6}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{tick:.0%}</text>')
    parts.append(f'<text x="{pad + inner / 2}" y="{size - 8}" font-size="12" text-anchor="middle">'
                 "func@1 (capability tests pass)</text>")
    parts.append(f'<text x="14" y="{pad + inner / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {pad + inner / 2})">sec@1 (safety tests pass)</text>')
    for label, split, func, sec in data:
        x, y = pad + func * inner, pad + (1 - sec) * inner
        fill = color_of[label] if split == "test" else "white"
        parts.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{color_of[label]}" '
                     f'stroke-width="2" data-run="{escape(label)}" data-split="{escape(split)}" '
                     f'data-func="{func:.4f}" data-sec="{sec:.4f}"><title>{escape(label)} ({escape(split)}): '
                     f"func@1 {func:.1%}, sec@1 {sec:.1%}</title></circle>")
    for number, (label, color) in enumerate(color_of.items()):
        y = pad + 4 + number * 20
        parts.append(f'<circle cx="{size + 10}" cy="{y}" r="6" fill="{color}"/>')
        parts.append(f'<text x="{size + 22}" y="{y + 4}" font-size="12">{escape(label)}</text>')
    y = pad + 4 + len(color_of) * 20 + 10
    parts.append(f'<text x="{size + 4}" y="{y}" font-size="11" fill="#555">filled: test split; hollow: dev or all</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"
