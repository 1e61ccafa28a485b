"""A readable text summary of one RunRecord: the final code first, then what was found and fixed."""

from __future__ import annotations

from safegen.types import Candidate, Finding, RunRecord, Verdict


def _finding_key(finding: Finding) -> tuple[str, int | None]:
    return (finding.rule_id, finding.cwe)


def _finding_line(finding: Finding) -> str:
    cwe = f"CWE-{finding.cwe}" if finding.cwe is not None else "CWE-?"
    name = f" {finding.cwe_name}" if finding.cwe_name else ""
    return (f"  line {finding.line}: {cwe}{name} [{finding.tool} {finding.rule_id}, "
            f"{finding.severity.value}] {finding.message}")


def _verdict_text(verdict: Verdict | None) -> str:
    if verdict is None:
        return "not analyzed"
    text = verdict.status.value
    if verdict.findings:
        text += f", {len(verdict.findings)} finding(s)"
    if verdict.errors:
        text += f", {len(verdict.errors)} analyzer error(s)"
    return text


def _candidate_line(candidate: Candidate, final_id: str | None) -> str:
    parts = [f"{candidate.candidate_id}{' *' if candidate.candidate_id == final_id else ''}",
             candidate.origin + (f" of {candidate.parent}" if candidate.parent else ""),
             _verdict_text(candidate.verdict)]
    if candidate.tests is not None:
        parts.append(f"tests {'pass' if candidate.tests.passed else 'FAIL'} "
                     f"({candidate.tests.total - candidate.tests.failed}/{candidate.tests.total})")
    if candidate.fuzz is not None:
        parts.append(f"fuzz {candidate.fuzz.executions} runs, {len(candidate.fuzz.defects)} defect(s)")
    if candidate.score is not None:
        parts.append(f"score {candidate.score:.2f}")
    if candidate.error:
        parts.append(candidate.error)
    return "  " + " | ".join(parts)


def render_run_text(record: RunRecord, *, verbose: bool = False) -> str:
    """Final code, its verdict and findings, what was fixed along the way, rounds, and the run's cost."""
    out: list[str] = []
    final = record.final
    if final is None or not final.code:
        out.append("# no code was produced")
    else:
        out.append(final.code.rstrip())
    out.append("")
    out.append(f"# safegen {record.strategy} | {record.backend}:{record.model} | task {record.task.task_id}")
    if final is not None:
        out.append(f"Final: {final.candidate_id} ({final.origin}), verdict {_verdict_text(final.verdict)}")
        if final.verdict is not None:
            out.extend(_finding_line(f) for f in final.verdict.findings)
            out.extend(f"  analyzer error: {e.tool}: {e.message}" for e in final.verdict.errors)
        if final.tests is not None:
            out.append(f"Visible tests: {'passed' if final.tests.passed else 'FAILED'} "
                       f"({final.tests.total - final.tests.failed}/{final.tests.total})")
        if final.fuzz is not None:
            out.append(f"Fuzzing: {final.fuzz.executions} executions, {len(final.fuzz.defects)} defect(s)")
            out.extend(f"  {d.kind}: {d.message} (input {d.input})" for d in final.fuzz.defects[:5])
            out.extend(f"  fuzzing error: {e}" for e in final.fuzz.errors[:3])
    first = next((c for c in record.candidates if c.verdict is not None), None)
    if final is not None and final.verdict is not None and first is not None and first is not final:
        remaining = {_finding_key(f) for f in final.verdict.findings}
        fixed = [f for f in first.verdict.findings if _finding_key(f) not in remaining] if first.verdict else []
        if fixed:
            out.append(f"Fixed since the first version ({first.candidate_id}):")
            out.extend(_finding_line(f) for f in fixed)
    if record.rounds:
        out.append("Repair rounds:")
        for r in record.rounds:
            status = "accepted" if r.accepted else f"rejected: {r.reason}"
            out.append(f"  {r.round} {r.kind}: {r.input_candidate} -> {r.output_candidate or '-'} ({status})")
            if verbose:
                out.extend("      " + line for line in r.prompt.splitlines())
    if len(record.candidates) > 1 or verbose:
        out.append("Candidates:")
        out.extend(_candidate_line(c, final.candidate_id if final else None) for c in record.candidates)
    out.append(f"LLM: {len(record.llm_calls)} call(s), {record.prompt_tokens} prompt + "
               f"{record.completion_tokens} completion tokens; wall time {record.wall_seconds:.1f}s")
    if record.errors:
        out.append("Notes:")
        out.extend(f"  {e}" for e in record.errors)
    return "\n".join(out) + "\n"
