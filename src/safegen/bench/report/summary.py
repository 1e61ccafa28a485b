"""Read run folders and reduce them to the figures every report format shows."""

from __future__ import annotations

import ast
import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safegen.bench.judges.interface import NOT_APPLICABLE, PASSED
from safegen.bench.report.executable import EXECUTABLE_JUDGES, ExecTally, dataset_role, dataset_splits, tally_outputs
from safegen.bench.metrics import FunctionalTally, SecurityTally, mean_pass_at_k
from safegen.bench.runner import GENERATIONS, MANIFEST, RESULTS
from safegen.bench.store import JsonlLog
from safegen.errors import InputError
from safegen.serde import Record

PASS_KS = (1, 5, 10)


@dataclass(frozen=True)
class ProtocolInfo(Record):
    """A verdict column: which judge, which tool version, and whether it is independent of the pipeline."""

    id: str
    judge: str
    tool_version: str
    independent: bool
    kind: str

    @property
    def label(self) -> str:
        tag = "" if self.independent else ", in-loop: not independent"
        return f"{self.id} ({self.tool_version}{tag})"


@dataclass(frozen=True)
class RunSummary(Record):
    """The figures of one run folder."""

    label: str
    folder: str
    dataset: str
    dataset_version: str
    dataset_sha256: str
    model: str
    strategy: str
    variant: str | None
    samples: int
    expected: int
    generated: int
    judged: int
    tasks_judged: int
    skipped_rows: int
    security: dict[str, SecurityTally] = field(default_factory=dict)
    per_cwe: dict[str, dict[str, SecurityTally]] = field(default_factory=dict)
    functional: FunctionalTally | None = None
    pass_at: dict[str, float] = field(default_factory=dict)
    llm_calls: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0
    seconds: float = 0.0
    run_errors: int = 0
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)  # output key -> protocol -> outcome
    stubs: tuple[str, ...] = ()  # outputs whose entry function holds no code (security judges see nothing to flag)
    split: str | None = None  # the dataset split the run was limited to
    role: str = ""  # what the dataset is for: development (tuned on), untouched, or split into test and dev
    executable: dict[str, ExecTally] = field(default_factory=dict)  # split ("all", "test", "dev") -> tally
    executable_cwe: dict[str, ExecTally] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return self.judged < self.expected


@dataclass(frozen=True)
class Report(Record):
    """Several runs side by side, with the judge columns they share."""

    runs: tuple[RunSummary, ...]
    protocols: tuple[ProtocolInfo, ...]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def unimplemented(code: str | None, entry_point: str | None) -> bool:
    """Whether the code defines ``entry_point`` with nothing in its body but a docstring, imports and ``pass``.

    Such an output is judged "secure" by every security judge although it does nothing; the report says how
    many a run has. Kept apart from the pipeline's own checks, as the judges are.
    """
    if not code or not entry_point:
        return False
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass))
                       or isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in node.body)
    return False


def summarize(folder: Path) -> tuple[RunSummary, list[ProtocolInfo]]:
    """Figures of one run folder from its manifest and results log (partial runs included)."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise InputError(f"{folder} holds no benchmark run ({MANIFEST} missing)",
                         hint="give folders written by `safegen bench run --out`")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{manifest_path} is unreadable: {exc}") from None
    results = JsonlLog(folder / RESULTS).read()
    generated = len(JsonlLog(folder / GENERATIONS).read())
    latest: dict[str, dict[str, Any]] = {r["key"]: r for r in results if "key" in r}
    protocols: dict[str, ProtocolInfo] = {}
    security: dict[str, SecurityTally] = defaultdict(SecurityTally)
    per_cwe: dict[str, dict[str, SecurityTally]] = defaultdict(lambda: defaultdict(SecurityTally))
    functional: FunctionalTally | None = None
    per_task_pass: dict[str, list[bool]] = defaultdict(list)
    calls, prompt, completion, seconds = [], [], [], []
    run_errors, model, tasks = 0, "", set()
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    samples = int(manifest.get("samples", 1))
    stubs: list[str] = []
    cwes: dict[str, int | None] = {}
    for line in latest.values():
        record = line.get("record") or {}
        tasks.add(line.get("task_id"))
        model = model or str(line.get("model") or "")
        cwe = (record.get("task") or {}).get("cwe")
        cwes[str(line.get("task_id"))] = cwe
        llm = record.get("llm_calls") or []
        calls.append(float(len(llm)))
        prompt.append(float(sum(c.get("prompt_tokens", 0) for c in llm)))
        completion.append(float(sum(c.get("completion_tokens", 0) for c in llm)))
        seconds.append(float(record.get("wall_seconds") or 0.0))
        run_errors += 1 if record.get("final") is None and record.get("errors") else 0
        task = record.get("task") or {}
        if unimplemented((record.get("final") or {}).get("code"), task.get("entry_point")):
            stubs.append(str(line.get("key") if samples > 1 else line.get("task_id")))
        for verdict in line.get("verdicts", []):
            pid = verdict["protocol"]
            kind = "functional" if verdict["judge"] == "functional" else \
                "executable" if verdict["judge"] in EXECUTABLE_JUDGES else "security"
            protocols.setdefault(pid, ProtocolInfo(pid, verdict["judge"], verdict["tool_version"],
                                                   bool(verdict["independent"]), kind))
            outcome = verdict["outcome"]
            outcomes[line["key"]][pid] = outcome
            if kind == "executable":
                continue
            if kind == "functional":
                if outcome == NOT_APPLICABLE:
                    continue
                functional = (functional or FunctionalTally()).add(outcome)
                per_task_pass[line["task_id"]].append(outcome == PASSED)
            else:
                security[pid] = security[pid].add(outcome)
                if cwe is not None:
                    per_cwe[pid][f"CWE-{cwe}"] = per_cwe[pid][f"CWE-{cwe}"].add(outcome)
    counts = [(len(v), sum(v)) for v in per_task_pass.values()]
    pass_at = {f"pass@{k}": value for k in PASS_KS
               if (value := mean_pass_at_k(counts, k)) is not None and all(n >= k for n, _ in counts)}
    dataset_name = str(manifest["dataset"]["name"])
    executable, executable_cwe = tally_outputs(outcomes, dataset_splits(dataset_name), cwes)
    strategy, variant = str(manifest.get("strategy", "")), manifest.get("variant")
    summary = RunSummary(
        label=f"{strategy} ({variant})" if variant else strategy, folder=str(folder),
        dataset=manifest["dataset"]["name"], dataset_version=manifest["dataset"]["version"],
        dataset_sha256=manifest["dataset"]["sha256"], model=model, strategy=strategy, variant=variant,
        samples=samples, expected=int(manifest.get("tasks", 0)) * samples, generated=generated,
        judged=len(latest), tasks_judged=len(tasks), skipped_rows=len(manifest.get("skipped_rows", [])),
        security=dict(security), per_cwe={k: dict(v) for k, v in per_cwe.items()}, functional=functional,
        pass_at=pass_at, llm_calls=_mean(calls), prompt_tokens=_mean(prompt), completion_tokens=_mean(completion),
        seconds=_mean(seconds), run_errors=run_errors, outcomes=dict(outcomes), stubs=tuple(stubs),
        split=manifest.get("split"), role=dataset_role(dataset_name), executable=executable,
        executable_cwe=executable_cwe)
    return summary, list(protocols.values())


def build_report(folders: Sequence[Path]) -> Report:
    """Runs side by side; protocol columns in a stable order (independent judges first)."""
    runs: list[RunSummary] = []
    protocols: dict[str, ProtocolInfo] = {}
    for folder in folders:
        summary, found = summarize(folder)
        runs.append(summary)
        for info in found:
            protocols.setdefault(info.id, info)
    kinds = {"executable": 0, "security": 1, "functional": 2}
    order = sorted(protocols.values(), key=lambda p: (kinds.get(p.kind, 3), not p.independent, p.id))
    return Report(tuple(_distinct_labels(runs)), tuple(order))


def _distinct_labels(runs: list[RunSummary]) -> list[RunSummary]:
    """Runs of one strategy made at different times (another commit, other options) share a label;
    those get their folder's name after it, so every row of a report says which run it is."""
    shared = Counter(run.label for run in runs)
    return [dataclasses.replace(run, label=f"{run.label} [{Path(run.folder).name}]") if shared[run.label] > 1 else run
            for run in runs]
