"""`safegen bench run` / `judge`: generation and judging stages joined by JSONL, resumable after any stop.

OUT/run.json         what this run is (dataset identity, strategy and its flags, samples, judges)
OUT/generations.jsonl one line per (task, sample): the RunRecord and its provenance, appended as it finishes
OUT/results.jsonl     the same line plus every judge's verdicts

Generation runs in the main process through one shared backend (one model, sequential calls); judging
runs in parallel workers (processes or Ray). Restarting the same command skips every key already logged.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from safegen import __version__, progress
from safegen.bench.datasets import LoadedDataset, load_dataset
from safegen.bench.executors import JudgeExecutor, make_executor
from safegen.bench.judges import DEFAULT_JUDGES
from safegen.bench.judging import job_item
from safegen.bench.store import JsonlLog
from safegen.config import Settings
from safegen.errors import BackendError, ConfigError, InputError, ModelError, SafegenError, SandboxError
from safegen.types import RunRecord, Task

SCHEMA = 1
MANIFEST, GENERATIONS, RESULTS = "run.json", "generations.jsonl", "results.jsonl"
# Errors that would fail every task the same way: stop (the task is not logged, so resuming retries it).
FATAL = (BackendError, ModelError, SandboxError, ConfigError)


class Generator(Protocol):
    """Produces one RunRecord per task and sample through the one shared model."""

    def generate(self, task: Task, seed: int) -> RunRecord: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RunSpec:
    """One benchmark run: which dataset, which strategy (and ablation variant), how many samples, which judges."""

    dataset: str
    strategy: str
    out: Path
    limit: int | None = None
    task_ids: tuple[str, ...] = ()  # only these tasks (after limit)
    split: str | None = None  # only the tasks of this split of the dataset (before limit)
    part: tuple[int, int] | None = None  # (k, n): the k-th of n consecutive parts of the tasks (after task_ids)
    samples: int = 1
    judges: tuple[str, ...] = DEFAULT_JUDGES
    variant: str | None = None
    strategy_options: dict[str, Any] = field(default_factory=dict)
    workers: int = 1
    executor: str = "local"
    ray_address: str | None = None
    batch_size: int = 16

    @property
    def label(self) -> str:
        return f"{self.strategy} ({self.variant})" if self.variant else self.strategy


class SessionGenerator:
    """Runs the strategy through safegen.session.Session: backend, ensemble and sandbox built once."""

    def __init__(self, settings: Settings, strategy: str, options: dict[str, Any] | None = None,
                 **tools: Any) -> None:
        from safegen.registry import STRATEGIES
        from safegen.session import Session

        self.settings = settings
        try:
            self.strategy = STRATEGIES.get(strategy)(**(options or {}))
        except TypeError as exc:
            raise InputError(f"strategy {strategy!r} does not take the options {options}: {exc}") from None
        self.session = Session(settings, **tools)  # tools: backend/analyzer/sandbox passed in (tests, embedding)

    def generate(self, task: Task, seed: int) -> RunRecord:
        self.session.settings = self.settings.replace(seed=seed)
        return self.session.run(task, self.strategy)

    def close(self) -> None:
        self.session.close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sample_key(task_id: str, sample: int) -> str:
    return f"{task_id}#{sample}"


def _manifest(spec: RunSpec, dataset: LoadedDataset, settings: Settings) -> dict[str, Any]:
    return {"schema": SCHEMA, "dataset": dataset.identity(), "data_path": str(dataset.path),
            "skipped_rows": [s.to_dict() for s in dataset.skipped], "strategy": spec.strategy,
            "variant": spec.variant, "strategy_options": spec.strategy_options, "samples": spec.samples,
            "limit": spec.limit, "task_ids": list(spec.task_ids) or None, "tasks": len(dataset.tasks),
            "planned": [task.task_id for task in dataset.tasks],
            "split": spec.split, "part": list(spec.part) if spec.part else None,
            "judges": list(spec.judges),
            "seed": settings.seed, "settings": settings.public_dict(), "created": _now(),
            "safegen": __version__, "python": platform.python_version()}


def _check_manifest(path: Path, fresh: dict[str, Any]) -> dict[str, Any]:
    """The manifest to keep: a new one, or the old one if it describes the same run (else InputError)."""
    if not path.exists():
        return fresh
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is unreadable: {exc}", hint="use another --out folder") from None
    for key in ("dataset", "strategy", "variant", "strategy_options", "samples", "split"):
        if old.get(key) != fresh.get(key):
            raise InputError(f"{path.parent} holds a different run ({key}: {old.get(key)!r}, now {fresh.get(key)!r})",
                             hint="resume with the same options, or choose another --out folder")
    planned = list(dict.fromkeys([*(old.get("planned") or []), *fresh["planned"]]))
    old.update(limit=fresh["limit"], task_ids=fresh["task_ids"], part=fresh["part"], tasks=max(old.get("tasks", 0), fresh["tasks"]),
               judges=fresh["judges"], skipped_rows=fresh["skipped_rows"], planned=planned)
    return dict(old)


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _error_record(task: Task, spec: RunSpec, settings: Settings, message: str, seconds: float) -> RunRecord:
    """A task whose run failed with a task-specific error: kept, counted as producing no code."""
    return RunRecord(task=task, strategy=spec.strategy, backend=settings.backend, model=settings.model or "",
                     final=None, wall_seconds=seconds, errors=(message,), started_at=_now(),
                     config={"strategy_options": spec.strategy_options})


@functools.lru_cache(maxsize=1)
def source_commit() -> str | None:
    """The git commit of the safegen source that runs (``+dirty`` with local changes); None outside a checkout."""
    folder = Path(__file__).resolve().parent
    try:  # only when this very file is tracked (a venv inside some other repository is not a checkout of ours)
        subprocess.run(["git", "-C", str(folder), "ls-files", "--error-unmatch", Path(__file__).name],
                       capture_output=True, timeout=10, check=True)
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no", "--",
                                str(folder.parents[1])], capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None


def _generation_line(spec: RunSpec, dataset: LoadedDataset, settings: Settings, task: Task, sample: int,
                     seed: int, record: RunRecord) -> dict[str, Any]:
    versions = {"safegen": __version__, "safegen_commit": source_commit(), "python": platform.python_version(),
                **record.tool_versions}
    return {"schema": SCHEMA, "key": sample_key(task.task_id, sample), "task_id": task.task_id, "sample": sample,
            "seed": seed, "dataset": dataset.identity(), "strategy": spec.strategy, "variant": spec.variant,
            "strategy_options": spec.strategy_options, "model": record.model, "backend": record.backend,
            "config": record.config or {"settings": settings.public_dict()}, "tool_versions": versions,
            "record": record.to_dict(), "generated_at": _now()}


def _item_for(line: dict[str, Any], dataset: LoadedDataset) -> dict[str, Any]:
    final = (line.get("record") or {}).get("final") or {}
    code = final.get("code") or None
    return job_item(line["key"], line["task_id"], code, dataset.judge_data.get(line["task_id"]))


class _Judging:
    """Feeds generations to the executor in batches and logs each result line as it comes back."""

    def __init__(self, executor: JudgeExecutor, results: JsonlLog, lines: dict[str, dict[str, Any]],
                 dataset: LoadedDataset, batch_size: int, on_result: Callable[[], None]) -> None:
        self.executor, self.results, self.lines, self.dataset = executor, results, lines, dataset
        self.batch_size = max(1, batch_size)
        self.on_result = on_result
        self.logged = 0
        self.pending: list[str] = []

    def submit(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), self.batch_size):
            self.executor.submit([_item_for(self.lines[k], self.dataset) for k in keys[start:start + self.batch_size]])

    def add(self, key: str, slots: int) -> None:
        """Queue one fresh generation; send the queue when it fills a batch or a worker is idle."""
        self.pending.append(key)
        if len(self.pending) >= self.batch_size or self.executor.in_flight() < max(1, slots):
            self.flush()

    def flush(self) -> None:
        keys, self.pending = self.pending, []
        self.submit(keys)

    def drain(self, wait: bool) -> None:
        for results in self.executor.completed(wait):
            for result in results:
                line = dict(self.lines[result["key"]])
                line.update(verdicts=result["verdicts"], judges=result["judges"], judged_at=_now())
                if result.get("error"):
                    line["judge_error"] = result["error"]
                self.results.append(line)
                self.logged += 1
                self.on_result()


def _settings_for_workers(settings: Settings) -> dict[str, Any]:
    data = settings.public_dict()
    data["api_key"] = None
    return data


def run_benchmark(spec: RunSpec, settings: Settings, generator: Generator | None = None,
                  dataset: LoadedDataset | None = None) -> dict[str, Any]:
    """Generate and judge every missing (task, sample) of the run; return the manifest with its counts.

    Judging workers are spawned processes: a script calling this with ``workers > 0`` needs the usual
    ``if __name__ == "__main__":`` guard (the `safegen` command has it).
    """
    if spec.samples < 1:
        raise InputError("--samples must be at least 1")
    if dataset is None:
        dataset = load_dataset(spec.dataset, data_dir=settings.data_dir, cache_dir=settings.cache_dir)
    dataset = dataset.chosen(spec.split, spec.limit, spec.task_ids, spec.part)
    for skipped in dataset.skipped:
        progress.note(f"{spec.dataset}: row {skipped.row} skipped: {skipped.reason}")
    spec.out.mkdir(parents=True, exist_ok=True)
    manifest = _check_manifest(spec.out / MANIFEST, _manifest(spec, dataset, settings))
    _write_manifest(spec.out / MANIFEST, manifest)
    generations, results = JsonlLog(spec.out / GENERATIONS), JsonlLog(spec.out / RESULTS)
    generations.repair()
    results.repair()
    lines = {line["key"]: line for line in generations.read() if "key" in line}
    judged = {line["key"] for line in results.read() if "key" in line}
    wanted = [(task, s) for task in dataset.tasks for s in range(spec.samples)]
    todo = [(task, s) for task, s in wanted if sample_key(task.task_id, s) not in lines]
    unjudged = [k for k in lines if k not in judged]
    if lines or judged:
        progress.note(f"resuming {spec.out}: {len(lines)} generated, {len(judged)} judged, {len(todo)} to generate")
    bar = progress.bar(total=len(todo) + len(unjudged), desc=f"{spec.label} on {spec.dataset}", unit="task")
    executor = make_executor(spec.executor, spec.judges, _settings_for_workers(settings), workers=spec.workers,
                             ray_address=spec.ray_address)
    judging = _Judging(executor, results, lines, dataset, spec.batch_size, on_result=lambda: bar.update(1))
    owned = generator is None
    finished = False
    try:
        judging.submit(unjudged)
        if todo:
            generator = generator or SessionGenerator(settings, spec.strategy, spec.strategy_options)
        for task, sample in todo:
            seed = settings.seed + sample
            start = time.perf_counter()
            try:
                record = generator.generate(task, seed) if generator else None
            except FATAL:
                raise
            except SafegenError as exc:
                record = _error_record(task, spec, settings, f"{type(exc).__name__}: {exc}",
                                       time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001 - a strategy bug on one task must not lose a long run
                progress.note(f"{task.task_id}: strategy crashed: {type(exc).__name__}: {exc}")
                record = _error_record(task, spec, settings, f"crash: {type(exc).__name__}: {exc}",
                                       time.perf_counter() - start)
            assert record is not None
            line = _generation_line(spec, dataset, settings, task, sample, seed, record)
            generations.append(line)
            lines[line["key"]] = line
            judging.add(line["key"], spec.workers)
            judging.drain(wait=False)
        judging.flush()
        judging.drain(wait=True)
        finished = True
    finally:
        executor.close(cancel=not finished)
        bar.close()
        if owned and generator is not None:
            generator.close()
        if not finished:
            progress.note(f"stopped; everything logged in {spec.out} is kept: rerun the same command to resume")
    manifest.update(generated=len(lines), judged=len(judged) + judging.logged, expected=len(wanted))
    return manifest


def judge_run(out: Path, settings: Settings, *, judges: Sequence[str] | None = None, force: bool = False,
              workers: int = 1, executor: str = "local", ray_address: str | None = None,
              batch_size: int = 16) -> dict[str, Any]:
    """(Re-)judge a run's generations without the model. ``force`` moves the old results aside first."""
    path = out / MANIFEST
    if not path.exists():
        raise InputError(f"{out} holds no benchmark run ({MANIFEST} missing)", hint="give the --out folder of a run")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is unreadable: {exc}") from None
    dataset = load_dataset(manifest["dataset"]["name"], data_dir=settings.data_dir, cache_dir=settings.cache_dir)
    if dataset.sha256 != manifest["dataset"]["sha256"]:
        raise InputError(f"{out} was generated from {manifest['dataset']['name']} sha256 "
                         f"{manifest['dataset']['sha256']}, the dataset found now has {dataset.sha256}")
    names = tuple(judges) if judges else tuple(manifest.get("judges") or DEFAULT_JUDGES)
    results = JsonlLog(out / RESULTS)
    if force and results.path.exists():
        backup = results.path.with_name(f"results.{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl")
        os.replace(results.path, backup)
        progress.note(f"previous results kept in {backup}")
    generations = JsonlLog(out / GENERATIONS)
    generations.repair()
    results.repair()
    lines = {line["key"]: line for line in generations.read() if "key" in line}
    judged = {line["key"] for line in results.read() if "key" in line}
    unjudged = [k for k in lines if k not in judged]
    bar = progress.bar(total=len(unjudged), desc=f"judging {out.name}", unit="task")
    pool = make_executor(executor, names, _settings_for_workers(settings), workers=workers, ray_address=ray_address)
    judging = _Judging(pool, results, lines, dataset, batch_size, on_result=lambda: bar.update(1))
    finished = False
    try:
        judging.submit(unjudged)
        judging.drain(wait=True)
        finished = True
    finally:
        pool.close(cancel=not finished)
        bar.close()
    manifest["judges"] = list(names)
    _write_manifest(path, manifest)
    manifest.update(generated=len(lines), judged=len(judged) + judging.logged)
    return manifest
