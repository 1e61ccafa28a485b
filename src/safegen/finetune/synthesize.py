"""HexaCoder's oracle-guided synthesis: vulnerable samples, repaired with the oracle's report, kept as pairs.

For each scenario the model writes a few plain samples; the analyzer ensemble (the security oracle)
judges them; every vulnerable sample goes back to the model with the oracle's findings and fix hints
until the oracle finds nothing or the rounds run out. A pair is a vulnerable sample and the secure
end of its accepted repairs. The oracle fails closed: a version any analyzer could not check is never
the fixed half of a pair. Runs are kept as RunRecords (``runs.jsonl``, one per scenario, resumable);
the pairs (``pairs.jsonl``) are derived from them and can be rebuilt at any time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safegen import progress
from safegen.bench.store import JsonlLog
from safegen.config import Settings
from safegen.errors import InputError, SafegenError
from safegen.finetune.scenarios import Scenario
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import codecheck, repair, sources, stages
from safegen.strategies.base import StagedStrategy, sampling_temperature
from safegen.strategies.state import RunState
from safegen.types import Candidate, RunRecord, VerdictStatus

RUNS_FILE = "runs.jsonl"
PAIRS_FILE = "pairs.jsonl"


@dataclass(frozen=True)
class TrainingPair(Record):
    """A vulnerable sample and its oracle-approved fix, with what the oracle reported on the former."""

    scenario_id: str
    cwe: int
    requirement: str
    entry_point: str
    vulnerable: str
    fixed: str
    findings: tuple[str, ...]  # "B602 CWE-78 line 4" for each finding on the vulnerable version
    rounds: int  # accepted repairs between the two


@dataclass(frozen=True)
class OracleRepairOptions(Record):
    """How many plain samples are drawn, how many repair rounds each gets, and the sampling temperature."""

    samples: int
    rounds: int
    temperature: float


class OracleRepair(StagedStrategy[OracleRepairOptions]):
    """Plain samples at a sampling temperature; each vulnerable one repaired with the oracle's findings."""

    name = "oracle-repair"
    summary = "HexaCoder synthesis: plain samples, every vulnerable one repaired with the analyzers' report"

    def __init__(self, *, samples: int = 3, rounds: int = 3) -> None:
        self.samples = samples
        self.rounds = rounds

    def options(self, settings: Settings) -> OracleRepairOptions:
        return OracleRepairOptions(samples=self.samples, rounds=self.rounds, temperature=sampling_temperature(settings))

    def execute(self, state: RunState, opts: OracleRepairOptions) -> Candidate | None:
        base = templates.generation_messages(state.task.requirement, entry_point=state.entry_point)
        samples = stages.generate(state, base, n=opts.samples, temperature=opts.temperature)
        judged = stages.analyze(state, [c for c in samples if c.code], tests=False)
        for number, sample in enumerate(judged):
            if sample.verdict is not None and sample.verdict.status is VerdictStatus.VULNERABLE:
                repair.repair_loop(state, sample, base, sources.STATIC, max_rounds=opts.rounds,
                                          first_round=number * opts.rounds + 1)
        return None


def pairs_from_record(record: RunRecord) -> list[TrainingPair]:
    """Each vulnerable sample with the first secure version down its chain of accepted repairs."""
    if record.task.cwe is None or record.task.entry_point is None:
        return []
    accepted = {r.output_candidate for r in record.rounds if r.accepted and r.output_candidate}
    children: dict[str, list[Candidate]] = {}
    for cand in record.candidates:
        if cand.parent is not None and cand.candidate_id in accepted:
            children.setdefault(cand.parent, []).append(cand)

    def first_secure(cand: Candidate, depth: int) -> tuple[Candidate, int] | None:
        for child in children.get(cand.candidate_id, []):
            if child.verdict is not None and child.verdict.status is VerdictStatus.SECURE and child.code.strip():
                return child, depth + 1
            found = first_secure(child, depth + 1)
            if found is not None:
                return found
        return None

    pairs = []
    for cand in record.candidates:
        if cand.parent is not None or cand.verdict is None or cand.verdict.status is not VerdictStatus.VULNERABLE:
            continue
        found = first_secure(cand, 0)
        if found is None or codecheck.signature(found[0].code, record.task.entry_point) is None:
            continue
        fixed, depth = found
        findings = tuple(f"{f.rule_id} CWE-{f.cwe} line {f.line}" for f in cand.verdict.findings)
        pairs.append(TrainingPair(record.task.task_id, record.task.cwe, record.task.requirement,
                                  record.task.entry_point, cand.code, fixed.code, findings, depth))
    return pairs


@dataclass(frozen=True)
class SynthesisSummary(Record):
    """What a synthesis run produced so far."""

    scenarios: int
    done: int
    vulnerable_samples: int
    pairs: int
    failed: tuple[str, ...] = ()


def synthesize(run_scenario: Callable[[Scenario], RunRecord], scenarios: Sequence[Scenario],
               out_dir: Path) -> SynthesisSummary:
    """Run every scenario not yet in ``out_dir/runs.jsonl`` (resumable), then rewrite ``pairs.jsonl``.

    ``run_scenario`` is usually ``lambda s: session.run(s.task(), OracleRepair(...))``. A scenario
    whose run fails is reported and skipped; the others go on.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    log = JsonlLog(out_dir / RUNS_FILE)
    log.repair()
    done = {rec.get("task", {}).get("task_id") for rec in log.read()}
    failed: list[str] = []
    todo = [s for s in scenarios if s.scenario_id not in done]
    for number, scenario in enumerate(todo, start=1):
        progress.note(f"synthesis {number}/{len(todo)}: {scenario.scenario_id}")
        try:
            record = run_scenario(scenario)
        except SafegenError as exc:
            failed.append(f"{scenario.scenario_id}: {exc}")
            progress.note(f"synthesis of {scenario.scenario_id} failed: {exc}")
            continue
        log.append(record.to_dict())
    return write_pairs(out_dir, wanted={s.scenario_id for s in scenarios}, failed=tuple(failed))


def load_records(out_dir: Path) -> list[RunRecord]:
    """The RunRecords of a synthesis folder; unreadable lines are skipped with a note."""
    records = []
    for row in JsonlLog(out_dir / RUNS_FILE).read():
        try:
            records.append(RunRecord.from_dict(row))
        except (TypeError, ValueError, KeyError) as exc:
            progress.note(f"{out_dir / RUNS_FILE}: a record could not be read ({exc}); skipped")
    return records


def write_pairs(out_dir: Path, *, wanted: set[str] | None = None, failed: tuple[str, ...] = ()) -> SynthesisSummary:
    """Derive ``pairs.jsonl`` from the runs in ``out_dir`` (all of them, or those in ``wanted``)."""
    records = [r for r in load_records(out_dir) if wanted is None or r.task.task_id in wanted]
    pairs = [p for r in records for p in pairs_from_record(r)]
    path = out_dir / PAIRS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    tmp.replace(path)
    vulnerable = sum(1 for r in records for c in r.candidates
                     if c.parent is None and c.verdict is not None and c.verdict.status is VerdictStatus.VULNERABLE)
    return SynthesisSummary(scenarios=len(wanted) if wanted is not None else len(records), done=len(records),
                            vulnerable_samples=vulnerable, pairs=len(pairs), failed=failed)


def load_pairs(path: Path) -> list[TrainingPair]:
    """The pairs of a ``pairs.jsonl`` file (InputError when it cannot be read)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read pairs file {path}: {exc.strerror or exc}",
                         hint="run `safegen finetune synthesize --out DIR` first; it writes DIR/pairs.jsonl") from None
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(TrainingPair.from_dict(json.loads(line)))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InputError(f"{path}:{number}: not a training pair ({exc})",
                             hint="rebuild it with `safegen finetune synthesize` from the runs") from None
    return pairs
