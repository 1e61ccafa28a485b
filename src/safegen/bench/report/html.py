"""The benchmark report as one static HTML page: tables and bar charts drawn as inline SVG (no script, no CDN)."""

from __future__ import annotations

from html import escape

from safegen.bench.report.markdown import (
    _datasets,
    paired_caption,
    paired_cells,
    pct,
    run_notes,
    tasks_cell,
    versus_caption,
    versus_cells,
)
from safegen.bench.report.paired import paired, versus_reference
from safegen.bench.report.summary import ProtocolInfo, Report, RunSummary
from safegen.bench.report.tradeoff import (
    CAPTION,
    change_table,
    cwe_rows,
    exec_rows,
    tradeoff_chart,
)

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}.note{color:#555;font-size:.9rem}.inloop{color:#8a5a00}
figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
"""


def bar_chart(title: str, bars: list[tuple[str, float | None, str]], *, percent: bool = True,
              width: int = 640) -> str:
    """A horizontal bar chart as inline SVG: (label, value or None, text shown at the bar's end)."""
    row, left, right = 26, 220, 90
    height = row * len(bars) + 30
    scale_max = 1.0 if percent else max([v for _, v, _ in bars if v is not None] + [1e-9])
    inner = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value, text) in enumerate(bars):
        y = 10 + i * row
        length = 0.0 if value is None else max(0.0, value) / scale_max * inner
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {escape(text)}</title></rect>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + 16}" font-size="12">{escape(text)}</text>')
    axis_y = 10 + row * len(bars)
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + inner}" y2="{axis_y}" stroke="#999"/>')
    end = "100%" if percent else f"{scale_max:.1f}"
    parts.append(f'<text x="{left}" y="{axis_y + 14}" font-size="10" fill="#666">0</text>')
    parts.append(f'<text x="{left + inner}" y="{axis_y + 14}" font-size="10" fill="#666" '
                 f'text-anchor="end">{end}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _security_figure(runs: list[RunSummary], protocol: ProtocolInfo) -> str:
    bars = []
    for run in runs:
        tally = run.security.get(protocol.id)
        rate = tally.vulnerable_rate if tally else None
        text = "no data" if rate is None or tally is None else \
            f"{pct(rate)} ({tally.vulnerable + tally.error}/{tally.judged})"
        bars.append((run.label, rate, text))
    judge = f"{protocol.tool_version}" + ("" if protocol.independent else " — in-loop, not independent")
    return bar_chart(f"Vulnerable outputs ({protocol.id}), judged by {judge}", bars)


def _table(runs: list[RunSummary], security: list[ProtocolInfo]) -> str:
    ks = sorted({k for r in runs for k in r.pass_at}, key=lambda k: int(k.split("@")[1]))
    head = ["strategy", "model", "judged/expected"]
    head += [f"vulnerable: {p.label}" for p in security] + [f"{k} (hidden tests)" for k in ks]
    head += ["LLM calls/task", "tokens/task", "s/task"]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for run in runs:
        cells = [run.label, run.model or "–", tasks_cell(run)]
        for p in security:
            tally = run.security.get(p.id)
            cells.append("–" if tally is None or not tally.judged else
                         f"{pct(tally.vulnerable_rate)} ({tally.vulnerable + tally.error}/{tally.judged})")
        cells += [pct(run.pass_at.get(k)) for k in ks]
        cells += [f"{run.llm_calls:.1f}", f"{run.prompt_tokens + run.completion_tokens:.0f}", f"{run.seconds:.1f}"]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _per_cwe_table(runs: list[RunSummary], protocol: ProtocolInfo) -> str:
    cwes = sorted({c for r in runs for c in r.per_cwe.get(protocol.id, {})}, key=lambda c: int(c.split("-")[1]))
    if not cwes:
        return ""
    rows = ["<tr><th>CWE</th>" + "".join(f"<th>{escape(r.label)}</th>" for r in runs) + "</tr>"]
    for cwe in cwes:
        cells = []
        for run in runs:
            tally = run.per_cwe.get(protocol.id, {}).get(cwe)
            cells.append("–" if tally is None or not tally.judged else
                         f"{pct(tally.vulnerable_rate)} ({tally.vulnerable + tally.error}/{tally.judged})")
        rows.append(f"<tr><td>{escape(cwe)}</td>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return (f"<details><summary>Vulnerable rate per CWE, judged by {escape(protocol.label)}</summary>"
            f"<table>{''.join(rows)}</table></details>")


def _titled_table(title: str, caption: str, header: list[str], rows: list[list[str]]) -> str:
    return (f'<h3>{escape(title)}</h3><p class="note">{escape(caption)}</p><table>'
            + "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>")


def render_html(report: Report) -> str:
    """A self-contained page: no external resources at all."""
    security = [p for p in report.protocols if p.kind == "security"]
    body = ["<h1>safegen benchmark report</h1>",
            '<p class="note">Vulnerable rate = (vulnerable + undecided) / outputs with code, per judge '
            "(fail closed). <span class=\"inloop\">In-loop</span> verdicts come from the pipeline's own "
            "analyzers and are not independent.</p>"]
    groups = _datasets(report)
    charts = [tradeoff_chart(runs, f"{name}: func@1 against sec@1, per strategy and split (up and right is better)")
              for name, runs in groups.items()]
    body += [chart for chart in charts if chart]
    for name, runs in groups.items():
        body.append(f"<h2>{escape(name)}" + (f" — {escape(runs[0].role)}" if runs[0].role else "") + "</h2>")
        header, rows = exec_rows(runs)
        if rows:
            body.append(_titled_table("Executable tests: func@1, sec@1, func-sec@1", CAPTION, header, rows))
            body.append(_titled_table("Executable tests per CWE", "func-sec@1 per CWE (func@1 / sec@1).",
                                      *cwe_rows(runs)))
            changed = change_table(runs)
            if changed:
                body.append(_titled_table(*changed))
        body.append(_table(runs, security))
        body += [f'<p class="note">{escape(note)}</p>' for run in runs for note in run_notes(run)]
        table = paired(runs, list(report.protocols))
        if table is not None:
            body.append(_titled_table("Same outputs", paired_caption(table), *paired_cells(table, security)))
        versus = versus_reference(runs, list(report.protocols))
        if versus is not None:
            body.append(_titled_table(f"Against {versus.reference}, task by task", versus_caption(versus),
                                      *versus_cells(versus, security)))
        for protocol in security:
            if any(protocol.id in r.security for r in runs):
                body.append(_security_figure(runs, protocol))
        ks = sorted({k for r in runs for k in r.pass_at}, key=lambda k: int(k.split("@")[1]))
        for k in ks:
            body.append(bar_chart(f"Functional correctness {k}, judged by the dataset's hidden tests in the sandbox",
                                  [(r.label, r.pass_at.get(k), pct(r.pass_at.get(k))) for r in runs]))
        body.append(bar_chart("Wall time per task (s), generation only",
                              [(r.label, r.seconds, f"{r.seconds:.1f} s") for r in runs], percent=False))
        body.append(bar_chart("LLM calls per task",
                              [(r.label, r.llm_calls, f"{r.llm_calls:.1f}") for r in runs], percent=False))
        for protocol in security:
            if protocol.independent:
                body.append(_per_cwe_table(runs, protocol))
    body.append("<h2>Judges</h2><ul>")
    for p in report.protocols:
        independence = "independent" if p.independent else '<span class="inloop">in-loop (not independent)</span>'
        body.append(f"<li><code>{escape(p.id)}</code>: {escape(p.judge)}, {escape(p.tool_version)}; "
                    f"{independence}</li>")
    body.append("</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>safegen benchmark report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")
