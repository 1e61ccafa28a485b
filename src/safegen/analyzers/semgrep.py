"""semgrep with safegen's rules: one engine process per batch, per-file errors, fail closed.

The fast path runs ``semgrep-core`` (the OCaml engine shipped inside the semgrep wheel) directly,
which skips the ~1-2 s start-up of the Python wrapper; if that engine is missing or rejects our
invocation, the ``semgrep scan`` CLI is used instead (always with --metrics=off
--disable-version-check, without which it stalls ~100 s offline).
"""

from __future__ import annotations

import atexit
import errno
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safegen.analyzers import cwe_map
from safegen.analyzers.findings import make_finding
from safegen.analyzers.interface import AnalyzerReport
from safegen.analyzers.workspace import Pending, SubprocessAnalyzer, Workspace
from safegen.errors import AnalyzerError
from safegen.types import AnalyzerFailure, Finding, Severity

RULES_DIR = Path(__file__).resolve().parent / "rules"
# A pre-started engine runs with one job, so it takes small batches; bigger ones start their own.
SPARE_MAX_FILES = 16
_REQUIRED = ("id", "message", "severity", "languages")


_PRIVATE: list[Path] = []


def _private_dir() -> Path:
    """A directory only this process writes to, removed when the interpreter exits."""
    if not _PRIVATE or not _PRIVATE[0].is_dir():
        _PRIVATE[:] = [Path(tempfile.mkdtemp(prefix="safegen-semgrep-rules-"))]
        atexit.register(_remove_if_owner, _PRIVATE[0], os.getpid())
    return _PRIVATE[0]


def _remove_if_owner(path: Path, owner: int) -> None:
    """Exit cleanup that a forked child (which inherits atexit handlers) must not run."""
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def rule_files(directory: Path = RULES_DIR) -> list[Path]:
    """The YAML rule files of a rules directory, sorted."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + \
        sorted(p for p in directory.glob("*.yml") if p.is_file())


def load_rules(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Parse rule files (YAML anchors resolved) and check each rule has an id, a CWE and a severity."""
    import yaml

    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise AnalyzerError(f"cannot read semgrep rules {path}: {exc}", hint="fix the YAML") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise AnalyzerError(f"{path}: expected a mapping with a 'rules' list")
        for rule in data["rules"]:
            missing = [key for key in _REQUIRED if not isinstance(rule, dict) or key not in rule]
            rule_id = rule.get("id", "?") if isinstance(rule, dict) else "?"
            if missing:
                raise AnalyzerError(f"{path}: rule {rule_id} lacks {', '.join(missing)}")
            if cwe_map.parse_cwe((rule.get("metadata") or {}).get("cwe")) is None:
                raise AnalyzerError(f"{path}: rule {rule_id} has no metadata.cwe", hint='add cwe: "CWE-89"')
            if rule_id in seen:
                raise AnalyzerError(f"{path}: duplicate rule id {rule_id}")
            seen.add(rule_id)
            rules.append(rule)
    if not rules:
        raise AnalyzerError("no semgrep rules found", hint=f"expected YAML files in {RULES_DIR}")
    return rules


def core_binary() -> str | None:
    """Path of the semgrep-core engine inside the installed semgrep package, if any."""
    spec = importlib.util.find_spec("semgrep")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "semgrep-core"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("semgrep-core")


def cli_binary() -> str | None:
    """The semgrep CLI next to this interpreter, or on PATH."""
    candidate = Path(sys.executable).parent / "semgrep"
    return str(candidate) if candidate.is_file() else shutil.which("semgrep")


class SemgrepAnalyzer(SubprocessAnalyzer):
    """safegen's taint and pattern rules (plus any extra rule files) on a batch of files."""

    name = "semgrep"

    def __init__(self, rules: Sequence[Path] | None = None, timeout: float = 60.0,
                 rule_timeout: float = 10.0, engine: str = "auto", jobs: int | None = None,
                 prespawn: bool = False) -> None:
        """``prespawn=True`` keeps one engine process started, rules parsed, waiting for the next batch."""
        if engine not in ("auto", "core", "cli"):
            raise AnalyzerError(f"unknown semgrep engine {engine!r}", hint="use auto, core or cli")
        self.prespawn = prespawn
        self._box: list[_SpareEngine | None] = [None]  # the spare, reachable by the finalizer without self
        self._spare_lock = threading.Lock()
        weakref.finalize(self, _close_box, self._box)
        self.rule_paths = list(rules) if rules is not None else rule_files()
        self.timeout = timeout
        self.rule_timeout = rule_timeout
        self.engine = engine
        self.jobs = jobs
        self._rules: list[dict[str, Any]] | None = None
        self._rules_file: Path | None = None
        self._ids: dict[str, dict[str, Any]] = {}

    def version(self) -> str:
        try:
            return importlib.metadata.version("semgrep")
        except importlib.metadata.PackageNotFoundError:
            return "unavailable"

    @property
    def rules(self) -> list[dict[str, Any]]:
        """The loaded, validated rules (parsed once)."""
        if self._rules is None:
            self._rules = load_rules(self.rule_paths)
            self._ids = {rule["id"]: rule for rule in self._rules}
        return self._rules

    def rules_file(self) -> Path:
        """All rules as one JSON file (anchors resolved, which semgrep-core's YAML reader does not do).

        The file lives in a private (0700) directory of this process: a predictable name in a shared
        /tmp could be planted by another user with rules that find nothing.
        """
        if self._rules_file is None or not self._rules_file.is_file():
            blob = json.dumps({"rules": self.rules}, sort_keys=True).encode()
            digest = hashlib.sha256(blob).hexdigest()[:16]
            path = _private_dir() / f"rules-{digest}.json"
            if not path.is_file():
                partial = path.with_suffix(".tmp")
                partial.write_bytes(blob)
                os.replace(partial, path)
            self._rules_file = path
        return self._rules_file

    def _use_core(self) -> bool:
        return self.engine in ("auto", "core") and core_binary() is not None

    def launch(self, workspace: Workspace) -> Pending:
        try:
            rules_file = self.rules_file()
        except AnalyzerError as exc:
            pending = Pending(None, workspace)
            pending.launch_error = str(exc)
            return pending
        if self._use_core():
            return self._launch_core(workspace, rules_file)
        return self._launch_cli(workspace, rules_file)

    @property
    def _spare(self) -> _SpareEngine | None:
        return self._box[0]

    @_spare.setter
    def _spare(self, value: _SpareEngine | None) -> None:
        self._box[0] = value

    def close(self) -> None:
        """Stop the pre-started engine process, if one waits."""
        _close_box(self._box)

    def _jobs(self, count: int) -> int:
        if self.jobs:
            return self.jobs
        return 1 if count < 8 else max(1, min(os.cpu_count() or 1, 4))

    def _core_argv(self, rules_file: Path, targets_file: Path, jobs: int) -> list[str]:
        return [str(core_binary()), "-json", "-rules", str(rules_file), "-targets", str(targets_file),
                "-timeout", f"{self.rule_timeout:g}", "-timeout_threshold", "3", "-max_memory", "0",
                "-fast", "-j", str(jobs)]

    def _spawn_spare(self) -> None:
        """Start the engine for the next small batch now, so it parses the rules while we are idle."""
        with self._spare_lock:
            if self._spare is not None and self._spare.owner == os.getpid() and self._spare.alive:
                return
            try:
                self._spare = _SpareEngine(self._core_argv(self.rules_file(), Path("TARGETS"), 1))
            except (OSError, AnalyzerError):
                self._spare = None

    def warm_up(self) -> None:
        """Pre-start an engine process (only useful with prespawn=True)."""
        if self._use_core():
            self._spawn_spare()

    def _launch_core(self, workspace: Workspace, rules_file: Path) -> Pending:
        targets = ["Targets", [["CodeTarget", {"path": {"fpath": str(p), "ppath": "/" + p.name},
                                               "analyzer": "python", "products": ["sast"]}]
                               for p in workspace.paths]]
        blob = json.dumps(targets).encode()
        with self._spare_lock:  # one batch per pre-started engine, even with several threads
            spare, self._spare = self._spare, None
        if spare is not None and spare.owner != os.getpid():  # inherited through fork: not ours to use
            spare = None
        if spare is not None and len(workspace.paths) <= SPARE_MAX_FILES and spare.alive:
            pending = Pending(spare.process, workspace, deadline=time.perf_counter() + self.timeout)
            spare.feed(blob)
            pending.extra.update(engine="core", spare=spare)
            if self.prespawn:  # the next engine starts while this one scans (helps back-to-back checks)
                self._spawn_spare()
            return pending
        if spare is not None:
            spare.close()
        targets_file = workspace.root / "targets.json"
        targets_file.write_bytes(blob)
        pending = self.start(workspace, self._core_argv(rules_file, targets_file, self._jobs(len(workspace.paths))))
        pending.extra["engine"] = "core"
        return pending

    def _launch_cli(self, workspace: Workspace, rules_file: Path) -> Pending:
        binary = cli_binary()
        if binary is None:
            pending = Pending(None, workspace)
            pending.launch_error = "semgrep is not installed (pip install semgrep)"
            return pending
        argv = [binary, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
                "--config", str(rules_file), "--no-git-ignore", "--disable-nosem",
                "--timeout", f"{self.rule_timeout:g}", "--timeout-threshold", "3",
                "--jobs", str(self._jobs(len(workspace.paths))), *[str(p) for p in workspace.paths]]
        pending = self.start(workspace, argv)
        pending.extra["engine"] = "cli"
        return pending

    def collect(self, pending: Pending) -> list[AnalyzerReport]:
        try:
            reports = super().collect(pending)
        finally:
            spare = pending.extra.pop("spare", None)
            if spare is not None:
                spare.close()
            if self.prespawn and pending.extra.get("engine") == "core" and not pending.extra.get("fallback"):
                self._spawn_spare()
        fallback = pending.extra.get("fallback")
        if fallback and self.engine == "auto":  # the core invocation was rejected: retry with the CLI once
            self.engine = "cli"
            return super().collect(self._launch_cli(pending.workspace, self.rules_file()))
        return reports

    def parse(self, pending: Pending, stdout: bytes, stderr: bytes, returncode: int) -> list[AnalyzerReport]:
        workspace = pending.workspace
        text = stdout.decode("utf-8", "replace")
        start = text.find("{")
        if start < 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()
            if pending.extra.get("engine") == "core":
                pending.extra["fallback"] = True
            return self.fail_all(workspace.files, f"exit {returncode}, no JSON output: "
                                 f"{tail[-1] if tail else ''}")
        data = json.loads(text[start:])
        findings: dict[int, dict[tuple[str, int], Finding]] = defaultdict(dict)
        errors: dict[int, list[AnalyzerFailure]] = defaultdict(list)
        for error in data.get("errors", []):
            location = error.get("location") or {}
            index = workspace.index_of(str(location.get("path", ""))) if location.get("path") else None
            kind = error.get("error_type") or error.get("type") or "error"
            kind = kind[0] if isinstance(kind, list) and kind else kind
            rule = f" in rule {error['rule_id']}" if error.get("rule_id") else ""
            detail = " ".join(str(error.get("message", "")).split())[:300]
            message = f"{kind}{rule}" + (f": {detail}" if detail else "")
            if index is None:  # a rule or engine error: no file's result can be trusted
                return self.fail_all(workspace.files, message)
            errors[index].append(AnalyzerFailure(self.name, message, workspace.files[index].path))
        if returncode not in (0, 1) and not data.get("results"):
            return self.fail_all(workspace.files, f"exit {returncode}")
        for result in data.get("results", []):
            index = workspace.index_of(str(result.get("path", "")))
            if index is None:
                continue
            finding = self._finding(result, workspace.files[index].path)
            key = (finding.rule_id, finding.line)
            if key not in findings[index]:
                findings[index][key] = finding
        return [AnalyzerReport(source.path, findings=tuple(findings[i].values()), errors=tuple(errors[i]))
                for i, source in enumerate(workspace.files)]

    def _rule_id(self, check_id: str) -> str:
        """Our rule id; the CLI prefixes ids with the config file's dotted path."""
        if check_id in self._ids:
            return check_id
        for rule_id in self._ids:
            if check_id.endswith("." + rule_id):
                return rule_id
        return check_id

    def _finding(self, result: dict[str, Any], path: str) -> Finding:
        rule_id = self._rule_id(str(result.get("check_id", "")))
        extra = result.get("extra") or {}
        rule = self._ids.get(rule_id, {})
        metadata = {**(rule.get("metadata") or {}), **(extra.get("metadata") or {})}
        start = result.get("start") or {}
        end = result.get("end") or {}
        return make_finding(
            tool=self.name, rule_id=rule_id, cwe=cwe_map.parse_cwe(metadata.get("cwe")),
            severity=Severity.parse(str(extra.get("severity") or rule.get("severity") or "WARNING")),
            confidence=Severity.parse(str(metadata.get("confidence") or "MEDIUM")),
            line=int(start.get("line") or 0), column=int(start.get("col") or 0),
            end_line=int(end.get("line") or start.get("line") or 0),
            message=str(extra.get("message") or rule.get("message") or rule_id), path=path)


def _close_box(box: list[_SpareEngine | None]) -> None:
    spare = box[0]
    if spare is None or spare.owner != os.getpid():  # a forked child must not kill its parent's engine
        return
    box[0] = None
    spare.close()


class _SpareEngine:
    """A semgrep-core process started ahead of time, blocked reading its targets from a FIFO.

    The engine parses the rules first and opens the targets file after, so the process start and the
    rule parsing (most of a one-file scan) happen before the code is known. ``feed`` hands it the
    targets; the engine opens the file more than once, so it is served until the process exits.
    """

    def __init__(self, argv: list[str]) -> None:
        self.owner = os.getpid()
        self.root = Path(tempfile.mkdtemp(prefix="safegen-semgrep-"))
        self.fifo = self.root / "targets.fifo"
        os.mkfifo(self.fifo, 0o600)
        argv = [str(self.fifo) if a == "TARGETS" else a for a in argv]
        setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
        if setpriv:  # an engine left waiting on its FIFO dies with us, even if we are killed
            argv = [setpriv, "--pdeathsig", "KILL", "--", *argv]
        try:
            self.process: subprocess.Popen[bytes] = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                cwd=str(self.root))
        except OSError:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self._feeder: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def feed(self, blob: bytes) -> None:
        """Serve ``blob`` to every open of the FIFO until the engine exits."""
        self._feeder = threading.Thread(target=self._serve, args=(blob,), daemon=True)
        self._feeder.start()

    def _serve(self, blob: bytes) -> None:
        while self.process.poll() is None:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno in (errno.ENXIO, errno.EINTR):  # no reader yet
                    time.sleep(0.0005)
                    continue
                return
            try:
                os.set_blocking(fd, True)
                os.write(fd, blob)
            except OSError:
                pass
            finally:
                os.close(fd)
            time.sleep(0.001)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            try:
                self.process.communicate(timeout=5)
            except (OSError, subprocess.SubprocessError):
                pass
        if self._feeder is not None:
            self._feeder.join(timeout=1)
        shutil.rmtree(self.root, ignore_errors=True)
