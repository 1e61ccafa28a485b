"""Runs compared on the same outputs: only the task samples every run of a dataset has judged.

Partial runs cover different tasks, and their overall rates are not comparable; these figures are.
The change against the reference run (``baseline`` when present) counts vulnerable outputs, and
outputs without code are shown beside it, since producing nothing is never counted as secure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safegen.bench.judges.interface import NO_CODE, NOT_APPLICABLE, PASSED
from safegen.bench.metrics import SecurityTally
from safegen.bench.report.summary import ProtocolInfo, RunSummary
from safegen.serde import Record

REFERENCE = "baseline"


@dataclass(frozen=True)
class PairedRow(Record):
    """One run's figures on the shared outputs."""

    label: str
    security: dict[str, SecurityTally] = field(default_factory=dict)
    change: dict[str, float | None] = field(default_factory=dict)  # -0.6 = 60% fewer vulnerable outputs
    passed: int | None = None  # functional passes among the shared outputs (None: no functional judge)
    no_code: int = 0


@dataclass(frozen=True)
class Paired(Record):
    """The shared outputs of a dataset's runs and each run's figures on them."""

    outputs: int
    reference: str | None
    rows: tuple[PairedRow, ...]


def vulnerable_count(tally: SecurityTally) -> int:
    return tally.vulnerable + tally.error


def relative_change(reference: SecurityTally, tally: SecurityTally) -> float | None:
    """(vulnerable outputs of the run / of the reference) - 1; None when the reference has none."""
    base = vulnerable_count(reference)
    return None if base == 0 else vulnerable_count(tally) / base - 1.0


def paired(runs: list[RunSummary], protocols: list[ProtocolInfo]) -> Paired | None:
    """Figures on the outputs judged by every run; None for fewer than two runs or nothing shared."""
    if len(runs) < 2:
        return None
    shared = set.intersection(*(set(run.outcomes) for run in runs))
    if not shared:
        return None
    security = [p for p in protocols if p.kind == "security"]
    functional = [p for p in protocols if p.kind == "functional"]
    reference = next((run for run in runs if run.strategy == REFERENCE and not run.variant), None)
    tallies: dict[str, dict[str, SecurityTally]] = {}
    rows = []
    for run in runs:
        per = {p.id: SecurityTally() for p in security if any(p.id in run.outcomes[k] for k in shared)}
        passed: int | None = None
        no_code = 0
        for key in shared:
            found = run.outcomes[key]
            for pid in per:
                if pid in found:
                    per[pid] = per[pid].add(found[pid])
            if any(found.get(p.id) == NO_CODE for p in security):
                no_code += 1
            for p in functional:
                if found.get(p.id, NOT_APPLICABLE) != NOT_APPLICABLE:
                    passed = (passed or 0) + (found[p.id] == PASSED)
        tallies[run.label] = per
        rows.append((run, per, passed, no_code))
    ref = tallies.get(reference.label) if reference else None
    out = []
    for run, per, passed, no_code in rows:
        change = {pid: relative_change(ref[pid], tally) for pid, tally in per.items()
                  if ref is not None and pid in ref and run is not reference}
        out.append(PairedRow(label=run.label, security=per, change=change, passed=passed, no_code=no_code))
    return Paired(outputs=len(shared), reference=reference.label if reference else None, rows=tuple(out))
