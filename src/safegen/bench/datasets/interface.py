"""What a benchmark dataset is: a pinned source file, a parser into Tasks, and hidden judge-only data."""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from safegen.errors import InputError
from safegen.serde import Record
from safegen.types import Task

RAW_BASE_URL = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class DataSource:
    """Where the public copy lives: a file of a GitHub repository at a fixed commit."""

    repo: str
    commit: str
    path: str
    sha256: str | None = None  # of the upstream file itself, when it is used unchanged

    def url(self, base_url: str = RAW_BASE_URL) -> str:
        """raw.githubusercontent-style URL of the file at the pinned commit."""
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{self.path}"


@dataclass(frozen=True)
class DatasetSpec:
    """Identity of one dataset: the file we load (relative to the data dir), its hash and its origin."""

    name: str
    version: str
    local_path: str
    sha256: str
    source: DataSource
    description: str = ""
    expected_rows: int | None = None
    judges: tuple[str, ...] = ()  # the judges a run uses unless told otherwise (empty: the default set)
    role: str = ""  # "development" (tuned on), "untouched" (never tuned on) or "" (not said)


@dataclass(frozen=True)
class JudgeData(Record):
    """What only judges may see for one task: hidden tests, reference code, the labelled weakness."""

    task_id: str
    tests: str | None = None
    entry_point: str | None = None
    canonical_solution: str | None = None
    reference_code: str | None = None
    cwe: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedRow(Record):
    """A dataset row that could not become a task, and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class Parsed:
    """What a parser returns: tasks, the judge data keyed by task id, and the rows it skipped."""

    tasks: tuple[Task, ...]
    judge_data: Mapping[str, JudgeData]
    skipped: tuple[SkippedRow, ...] = ()


@dataclass(frozen=True)
class LoadedDataset:
    """A dataset ready to run: its identity, the tasks strategies see, and the judge data they never see."""

    name: str
    version: str
    sha256: str
    path: Path
    tasks: tuple[Task, ...]
    judge_data: Mapping[str, JudgeData]
    skipped: tuple[SkippedRow, ...] = ()
    splits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # split name -> task ids

    def identity(self) -> dict[str, str]:
        """Name, version and hash, recorded in every benchmark record."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    def chosen(self, split: str | None, limit: int | None, task_ids: Sequence[str],
               part: tuple[int, int] | None) -> "LoadedDataset":
        """The tasks a benchmark run takes: its split, then the first ``limit``, the ids named, the part."""
        return self.split(split).limited(limit).selected(task_ids).part(part)

    def limited(self, limit: int | None) -> "LoadedDataset":
        """The first ``limit`` tasks (all when None)."""
        if limit is None:
            return self
        return self._keeping(self.tasks[:max(0, limit)])

    def part(self, part: tuple[int, int] | None) -> "LoadedDataset":
        """The ``k``-th of ``n`` consecutive, nearly equal parts of the tasks (all when None): runs side by side."""
        if part is None:
            return self
        k, n = part
        return self._keeping(self.tasks[(k - 1) * len(self.tasks) // n:k * len(self.tasks) // n])

    def selected(self, task_ids: Sequence[str]) -> "LoadedDataset":
        """Only the tasks named (all when none are), in dataset order; InputError for an unknown id."""
        if not task_ids:
            return self
        known = {t.task_id for t in self.tasks}
        unknown = [i for i in task_ids if i not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=3)
            raise InputError(f"{self.name} has no task {unknown[0]!r}",
                             hint=f"did you mean {', '.join(close)}?" if close else "see the dataset's task ids")
        wanted = set(task_ids)
        return self._keeping([t for t in self.tasks if t.task_id in wanted])

    def split(self, name: str | None) -> "LoadedDataset":
        """Only the tasks of the named split (all when None); InputError when the dataset has no such split."""
        if name is None:
            return self
        if name not in self.splits:
            raise InputError(f"{self.name} has no split {name!r}",
                             hint=f"its splits: {', '.join(self.splits) or 'none (run it whole)'}")
        wanted = set(self.splits[name])
        return self._keeping([t for t in self.tasks if t.task_id in wanted])

    def split_of(self, task_id: str) -> str | None:
        """The split a task belongs to, or None."""
        return next((name for name, ids in self.splits.items() if task_id in ids), None)

    def _keeping(self, tasks: Sequence[Task]) -> "LoadedDataset":
        keep = {t.task_id for t in tasks}
        return LoadedDataset(self.name, self.version, self.sha256, self.path, tuple(tasks),
                             {k: v for k, v in self.judge_data.items() if k in keep}, self.skipped, self.splits)


class Dataset(ABC):
    """A benchmark dataset: ``spec`` pins the file; ``parse`` turns its bytes into tasks, skipping broken rows."""

    spec: DatasetSpec

    @abstractmethod
    def parse(self, raw: bytes) -> Parsed:
        """Tasks and judge data from the file's bytes. Never raises for a bad row: it is skipped and counted."""

    def splits(self) -> dict[str, tuple[str, ...]]:
        """Fixed splits of the task ids (e.g. ``test`` and ``dev``); none by default."""
        return {}

    def derive(self, upstream: bytes) -> bytes:
        """The local file's bytes from the downloaded upstream file (identity unless the dataset filters it)."""
        return upstream
