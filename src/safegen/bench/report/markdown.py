"""The benchmark report as Markdown: one table per dataset, judges named in every column, per-CWE detail."""

from __future__ import annotations

from safegen.bench.report.paired import Paired, PairedRow, Versus, paired, versus_reference, vulnerable_count
from safegen.bench.report.summary import ProtocolInfo, Report, RunSummary


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def tasks_cell(run: RunSummary) -> str:
    text = f"{run.judged}/{run.expected}"
    return f"{text} (partial)" if run.partial else text


def run_notes(run: RunSummary) -> list[str]:
    """The sentences under a run's row: partial, skipped rows, runs without code, unimplemented stubs."""
    notes = []
    if run.partial:
        notes.append(f"{run.label}: partial run, {run.judged} of {run.expected} outputs judged.")
    if run.skipped_rows:
        notes.append(f"{run.label}: {run.skipped_rows} dataset rows skipped (broken, or left out by the dataset's "
                     "validation).")
    if run.run_errors:
        runs_word = "run" if run.run_errors == 1 else "runs"
        notes.append(f"{run.label}: {run.run_errors} {runs_word} ended with an error and no code.")
    if run.stubs:
        outputs = "output leaves" if len(run.stubs) == 1 else "outputs leave"
        notes.append(f"{run.label}: {len(run.stubs)} {outputs} the function unimplemented (nothing in it for a "
                     f"security judge to flag): {', '.join(run.stubs)}.")
    return notes


def _security_cell(run: RunSummary, protocol: ProtocolInfo) -> str:
    tally = run.security.get(protocol.id)
    if tally is None or tally.judged == 0:
        return "–"
    text = f"{pct(tally.vulnerable_rate)} ({tally.vulnerable + tally.error}/{tally.judged})"
    return text + (f", {tally.error} err" if tally.error else "")


def _functional_cell(run: RunSummary, key: str) -> str:
    return pct(run.pass_at.get(key)) if run.functional else "–"


def _datasets(report: Report) -> dict[str, list[RunSummary]]:
    groups: dict[str, list[RunSummary]] = {}
    for run in report.runs:
        groups.setdefault(f"{run.dataset} {run.dataset_version}", []).append(run)
    return groups


def render_markdown(report: Report) -> str:
    """Strategies side by side per dataset; every figure names its judge."""
    security = [p for p in report.protocols if p.kind == "security"]
    out = ["# safegen benchmark report", ""]
    out.append("Vulnerable rate = (vulnerable + undecided) / outputs with code, per judge (fail closed). "
               "Judges marked *in-loop* are the pipeline's own analyzers and are not independent.")
    out.append("")
    for name, runs in _datasets(report).items():
        ks = sorted({k for r in runs for k in r.pass_at}, key=lambda k: int(k.split("@")[1]))
        out += [f"## {name}" + (f" — {runs[0].role}" if runs[0].role else ""), ""]
        out += _executable(runs)
        header = ["strategy", "model", "judged/expected"]
        header += [f"vulnerable: {p.label}" for p in security]
        header += [f"{k} (hidden tests, sandbox)" for k in ks]
        header += ["LLM calls/task", "tokens/task", "s/task", "no code"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for run in runs:
            no_code = max((t.no_code for t in run.security.values()), default=0)
            row = [run.label, run.model or "–", tasks_cell(run)]
            row += [_security_cell(run, p) for p in security]
            row += [_functional_cell(run, k) for k in ks]
            row += [f"{run.llm_calls:.1f}", f"{run.prompt_tokens + run.completion_tokens:.0f}",
                    f"{run.seconds:.1f}", str(no_code)]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        notes = [note for run in runs for note in run_notes(run)]
        out += [f"- {note}" for note in notes]
        if notes:
            out.append("")
        out += _paired(paired(runs, list(report.protocols)), security)
        out += _versus(versus_reference(runs, list(report.protocols)), security)
        out += _per_cwe(runs, [p for p in security if p.independent])
    out += ["## Judges", ""]
    for p in report.protocols:
        independence = "independent" if p.independent else "in-loop (not independent)"
        out.append(f"- `{p.id}`: {p.judge}, {p.tool_version}; {independence}")
    out.append("")
    return "\n".join(out)


def paired_cells(table: Paired, protocols: list[ProtocolInfo]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the same-outputs table (shared by the Markdown and HTML reports)."""
    shown = [p for p in protocols if any(p.id in row.security for row in table.rows)]
    functional = any(row.passed is not None for row in table.rows)
    header = ["strategy"] + [f"vulnerable: {p.id}" for p in shown]
    header += ["passed (hidden tests)"] if functional else []
    header += ["no code"]
    rows = []
    for row in table.rows:
        cells = [row.label]
        for p in shown:
            change = row.change.get(p.id)
            cells.append(_vulnerable_cell(row, p) + (f" ({100 * change:+.0f}%)" if change is not None else ""))
        if functional:
            cells.append("–" if row.passed is None else f"{row.passed}/{table.outputs}")
        cells.append(str(row.no_code))
        rows.append(cells)
    return header, rows


def _vulnerable_cell(row: PairedRow, protocol: ProtocolInfo) -> str:
    tally = row.security.get(protocol.id)
    return "–" if tally is None else f"{vulnerable_count(tally)}/{tally.judged}"


def versus_cells(table: Versus, protocols: list[ProtocolInfo]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table of each run beside the reference (Markdown and HTML reports)."""
    shown = [p for p in protocols if any(p.id in row.run.security for row in table.rows)]
    functional = any(row.run.passed is not None for row in table.rows)
    header = ["strategy", "outputs"] + [f"vulnerable: {p.id}" for p in shown]
    header += ["passed (hidden tests)"] if functional else []
    header += ["no code"]
    rows = []
    for row in table.rows:
        cells = [row.label, str(row.outputs)]
        for p in shown:
            change = row.run.change.get(p.id)
            cells.append(f"{_vulnerable_cell(row.run, p)} vs {_vulnerable_cell(row.reference, p)}"
                         + (f" ({100 * change:+.0f}%)" if change is not None else ""))
        if functional:
            cell = " vs ".join("–" if side.passed is None else f"{side.passed}/{row.outputs}"
                               for side in (row.run, row.reference))
            if row.run.passed is not None and row.reference.passed is not None:
                cell += f" ({row.gained} gained, {row.lost} lost)"
            cells.append(cell)
        cells.append(f"{row.run.no_code} vs {row.reference.no_code}")
        rows.append(cells)
    return header, rows


def versus_caption(table: Versus) -> str:
    return (f"Each run beside {table.reference} on the outputs both judged: the run's figure, then "
            f"{table.reference}'s on the same outputs; in brackets the change in vulnerable outputs. Partial runs "
            "cover different tasks, so each row counts its own outputs.")


def _versus(table: Versus | None, protocols: list[ProtocolInfo]) -> list[str]:
    if table is None:
        return []
    return _titled_table(f"Against {table.reference}, task by task", versus_caption(table),
                         *versus_cells(table, protocols))


def _titled_table(title: str, caption: str, header: list[str], rows: list[list[str]]) -> list[str]:
    out = [f"### {title}", "", caption, ""]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    out += ["| " + " | ".join(cells) + " |" for cells in rows]
    return out + [""]


def paired_caption(table: Paired) -> str:
    against = f"; in brackets the change in vulnerable outputs against {table.reference}" if table.reference else ""
    return (f"The {table.outputs} outputs judged by every run above: vulnerable outputs (fail closed) "
            f"among those with code{against}.")


def _paired(table: Paired | None, protocols: list[ProtocolInfo]) -> list[str]:
    if table is None:
        return []
    return _titled_table("Same outputs", paired_caption(table), *paired_cells(table, protocols))


def _executable(runs: list[RunSummary]) -> list[str]:
    """The executable judge's headline table and its per-CWE detail, when the runs have them."""
    from safegen.bench.report.tradeoff import CAPTION, change_table, cwe_rows, exec_rows

    header, rows = exec_rows(runs)
    if not rows:
        return []
    out = _titled_table("Executable tests: func@1, sec@1, func-sec@1", CAPTION, header, rows)
    out += _titled_table("Executable tests per CWE", "func-sec@1 per CWE (func@1 / sec@1 in brackets), "
                         "counted over each run's outputs.", *cwe_rows(runs))
    table = change_table(runs)
    return out + (_titled_table(*table) if table else [])


def _per_cwe(runs: list[RunSummary], protocols: list[ProtocolInfo]) -> list[str]:
    out: list[str] = []
    for protocol in protocols:
        cwes = sorted({c for r in runs for c in r.per_cwe.get(protocol.id, {})}, key=lambda c: int(c.split("-")[1]))
        if not cwes:
            continue
        out += [f"### Vulnerable rate per CWE, judged by {protocol.label}", ""]
        out.append("| CWE | " + " | ".join(r.label for r in runs) + " |")
        out.append("|---|" + "---|" * len(runs))
        for cwe in cwes:
            cells = []
            for run in runs:
                tally = run.per_cwe.get(protocol.id, {}).get(cwe)
                cells.append("–" if tally is None or not tally.judged else
                             f"{pct(tally.vulnerable_rate)} ({tally.vulnerable + tally.error}/{tally.judged})")
            out.append(f"| {cwe} | " + " | ".join(cells) + " |")
        out.append("")
    return out
