"""Runs compared on the same outputs: the task samples every run of a dataset has judged, and each run
beside the reference on the samples both have judged.

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


@dataclass(frozen=True)
class VersusRow(Record):
    """One run and the reference run on the outputs both have judged."""

    label: str
    outputs: int
    run: PairedRow
    reference: PairedRow
    gained: int = 0  # outputs that pass the hidden tests in this run and fail them in the reference
    lost: int = 0  # outputs that pass them in the reference and fail them in this run


@dataclass(frozen=True)
class Versus(Record):
    """Each run of a dataset beside its reference run, task by task."""

    reference: str
    rows: tuple[VersusRow, ...]


def reference_run(runs: list[RunSummary]) -> RunSummary | None:
    """The run the others are measured against: the first plain ``baseline`` run."""
    return next((run for run in runs if run.strategy == REFERENCE and not run.variant), None)


def _tally(run: RunSummary, keys: set[str], protocols: list[ProtocolInfo],
           reference: dict[str, SecurityTally] | None = None) -> PairedRow:
    """``run``'s figures on the outputs ``keys``; with ``reference`` tallies, the change against them."""
    security = [p for p in protocols if p.kind == "security"]
    functional = [p for p in protocols if p.kind == "functional"]
    per = {p.id: SecurityTally() for p in security if any(p.id in run.outcomes[k] for k in keys)}
    passed: int | None = None
    no_code = 0
    for key in keys:
        found = run.outcomes[key]
        for pid in per:
            if pid in found:
                per[pid] = per[pid].add(found[pid])
        if any(found.get(p.id) == NO_CODE for p in security):
            no_code += 1
        for p in functional:
            if found.get(p.id, NOT_APPLICABLE) != NOT_APPLICABLE:
                passed = (passed or 0) + (found[p.id] == PASSED)
    change = {pid: relative_change(reference[pid], tally) for pid, tally in per.items()
              if reference is not None and pid in reference}
    return PairedRow(label=run.label, security=per, change=change, passed=passed, no_code=no_code)


def paired(runs: list[RunSummary], protocols: list[ProtocolInfo]) -> Paired | None:
    """Figures on the outputs judged by every run; None for fewer than two runs or nothing shared."""
    if len(runs) < 2:
        return None
    shared = set.intersection(*(set(run.outcomes) for run in runs))
    if not shared:
        return None
    reference = reference_run(runs)
    against = _tally(reference, shared, protocols).security if reference else None
    rows = tuple(_tally(run, shared, protocols, None if run is reference else against) for run in runs)
    return Paired(outputs=len(shared), reference=reference.label if reference else None, rows=rows)


def _flips(run: RunSummary, reference: RunSummary, keys: set[str],
           protocols: list[ProtocolInfo]) -> tuple[int, int]:
    """How many of ``keys`` pass a functional judge in ``run`` only, and in ``reference`` only."""
    gained = lost = 0
    for p in protocols:
        if p.kind != "functional":
            continue
        for key in keys:
            mine, theirs = run.outcomes[key].get(p.id), reference.outcomes[key].get(p.id)
            if mine in (None, NOT_APPLICABLE) or theirs in (None, NOT_APPLICABLE):
                continue
            gained += mine == PASSED and theirs != PASSED
            lost += theirs == PASSED and mine != PASSED
    return gained, lost


def versus_reference(runs: list[RunSummary], protocols: list[ProtocolInfo]) -> Versus | None:
    """Each run beside the reference on the outputs both judged; None where that says no more than
    :func:`paired` (no reference, or every run shares with it only the outputs all runs share)."""
    reference = reference_run(runs)
    if reference is None or len(runs) < 3:
        return None
    everywhere = set.intersection(*(set(run.outcomes) for run in runs))
    rows = []
    for run in runs:
        keys = set(run.outcomes) & set(reference.outcomes)
        if run is reference or not keys:
            continue
        ref = _tally(reference, keys, protocols)
        gained, lost = _flips(run, reference, keys, protocols)
        rows.append(VersusRow(label=run.label, outputs=len(keys), run=_tally(run, keys, protocols, ref.security),
                              reference=ref, gained=gained, lost=lost))
    if all(row.outputs == len(everywhere) for row in rows):
        return None
    return Versus(reference=reference.label, rows=tuple(rows))
