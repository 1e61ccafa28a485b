"""A batch of in-memory sources written once to a private temp dir, for the tools that read files."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from safegen.analyzers.interface import Analyzer, AnalyzerReport, SourceFile
from safegen.types import AnalyzerFailure


class Workspace:
    """Temp dir holding ``f00000.py`` ... for the batch; ``disk_path(i)`` is file i's copy."""

    def __init__(self, files: Sequence[SourceFile]) -> None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        self.root = Path(tempfile.mkdtemp(prefix="safegen-scan-", dir=base))
        self.files = list(files)
        self.paths: list[Path] = []
        for index, source in enumerate(self.files):
            path = self.root / f"f{index:05d}.py"
            path.write_text(source.code, encoding="utf-8", errors="surrogateescape")
            self.paths.append(path)
        self._index = {str(p): i for i, p in enumerate(self.paths)}

    def index_of(self, disk_path: str) -> int | None:
        """Which batch file a tool's reported path is (tools may report it relative or absolute)."""
        if disk_path in self._index:
            return self._index[disk_path]
        resolved = str((self.root / disk_path).resolve()) if not os.path.isabs(disk_path) else disk_path
        if resolved in self._index:
            return self._index[resolved]
        name = os.path.basename(disk_path)
        if name.startswith("f") and name.endswith(".py") and name[1:-3].isdigit():
            index = int(name[1:-3])
            return index if index < len(self.paths) else None
        return None

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Pending:
    """A running tool process for one batch."""

    process: subprocess.Popen[bytes] | None
    workspace: Workspace
    started: float = field(default_factory=time.perf_counter)
    deadline: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    launch_error: str = ""


class SubprocessAnalyzer(Analyzer):
    """An analyzer that runs one external process per batch; the ensemble overlaps several."""

    timeout: float = 60.0

    @abstractmethod
    def launch(self, workspace: Workspace) -> Pending:
        """Start the tool on every file of the workspace; never raises."""

    @abstractmethod
    def parse(self, pending: Pending, stdout: bytes, stderr: bytes, returncode: int) -> list[AnalyzerReport]:
        """Turn the tool's output into one report per workspace file."""

    def collect(self, pending: Pending) -> list[AnalyzerReport]:
        """Wait for the process (up to its deadline), then parse; failures become per-file errors."""
        files = pending.workspace.files
        if pending.process is None:
            return self.fail_all(files, pending.launch_error or "could not start")
        remaining = max(pending.deadline - time.perf_counter(), 0.01)
        try:
            stdout, stderr = pending.process.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            pending.process.kill()
            pending.process.communicate()
            return self.fail_all(files, f"timed out after {self.timeout:g}s")
        try:
            return self.parse(pending, stdout, stderr, pending.process.returncode)
        except Exception as exc:  # noqa: BLE001 - unreadable tool output fails closed
            return self.fail_all(files, f"unreadable output: {type(exc).__name__}: {exc}")

    def start(self, workspace: Workspace, argv: list[str]) -> Pending:
        """Popen ``argv`` with a deadline; a start failure is recorded, not raised."""
        pending = Pending(None, workspace, deadline=time.perf_counter() + self.timeout)
        try:
            pending.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                               stdin=subprocess.DEVNULL, cwd=str(workspace.root))
        except OSError as exc:
            pending.launch_error = f"could not start {argv[0]}: {exc}"
        return pending

    def fail_all(self, files: Sequence[SourceFile], message: str) -> list[AnalyzerReport]:
        return [AnalyzerReport(f.path, errors=(AnalyzerFailure(self.name, message, f.path),)) for f in files]

    def analyze(self, files: Sequence[SourceFile]) -> list[AnalyzerReport]:
        if not files:
            return []
        with Workspace(files) as workspace:
            return self.collect(self.launch(workspace))
