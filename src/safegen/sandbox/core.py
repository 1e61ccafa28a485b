"""The host side of the sandbox: starts the worker, sends jobs, enforces deadlines, restarts it if it dies."""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from safegen.config import Settings
from safegen.errors import InputError, SandboxError
from safegen.sandbox.launcher import WorkerCommand, sandbox_command, unsafe_command
from safegen.sandbox.limits import Limits
from safegen.sandbox.result import ExecResult
from safegen.sandbox.worker.protocol import HEADER, MAX_MESSAGE

_START_TIMEOUT = 30.0
_SLACK = 10.0  # host-side grace over the worker's own deadlines (the machine may be busy)

UNSAFE_WARNING = ("safegen: WARNING: --unsafe-no-sandbox: generated code runs WITHOUT isolation "
                  "(network, files and processes of this user are reachable); use only in a disposable container")


class _WorkerLost(Exception):
    """The worker died or stopped answering."""


class Sandbox:
    """Runs untrusted Python in bubblewrap through a persistent worker that forks per execution."""

    def __init__(self, *, limits: Limits | None = None, unsafe_no_sandbox: bool = False) -> None:
        self.limits = limits or Limits()
        self.unsafe = unsafe_no_sandbox
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.hello: dict[str, Any] = {}
        self.restarts = 0
        self._closed = False

    @classmethod
    def create(cls, settings: Settings | None = None) -> Sandbox:
        """Start a sandbox now (so a missing bubblewrap fails early, with the package name)."""
        settings = settings or Settings()
        sandbox = cls(unsafe_no_sandbox=settings.unsafe_no_sandbox)
        sandbox.start()
        return sandbox

    # ------------------------------------------------------------ lifecycle

    @property
    def isolated(self) -> bool:
        return not self.unsafe

    @property
    def atheris_available(self) -> bool:
        return self.hello.get("atheris") is True

    def start(self) -> None:
        with self._lock:
            self._ensure_worker()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (every process in the sandbox dies with it). Safe to call twice."""
        with self._lock:
            self._closed = True
            self._stop_worker(graceful=True)
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def __del__(self) -> None:
        try:
            if self._proc is not None:
                self._stop_worker(graceful=False)
        except Exception:
            pass

    def _command(self) -> WorkerCommand:
        if not self.unsafe:
            return sandbox_command(self.limits)
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="safegen-unsafe-")
        workdir = tempfile.mkdtemp(dir=self._tmp.name)
        return unsafe_command(self.limits, workdir)

    def _ensure_worker(self) -> None:
        if self._closed:
            raise SandboxError("the sandbox is closed")
        if self._proc is not None and self._proc.poll() is None:
            return
        self._stop_worker(graceful=False)
        command = self._command()
        if self.unsafe:
            print(UNSAFE_WARNING, file=sys.stderr, flush=True)
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                list(command.argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                env=command.env, cwd=command.cwd, start_new_session=True, close_fds=True, bufsize=0)
        except OSError as exc:
            raise SandboxError(f"cannot start the sandbox: {exc}", hint="check that bubblewrap runs here") from None
        try:
            hello = self._recv(time.monotonic() + _START_TIMEOUT)
        except (_WorkerLost, OSError) as exc:
            detail = self._stderr_text()
            self._stop_worker(graceful=False)
            raise SandboxError(f"the sandbox did not start ({exc}): {detail or 'no error output'}",
                               hint="bubblewrap needs user/PID/network namespaces; in a container, "
                                    "allow them or use --unsafe-no-sandbox") from None
        if hello.get("type") != "hello" or hello.get("version") != sys.version:
            self._stop_worker(graceful=False)
            raise SandboxError(f"the sandbox worker answered unexpectedly: {str(hello)[:200]}")
        if command.sandboxed and hello.get("uid") in (0, None):
            self._stop_worker(graceful=False)
            raise SandboxError("the sandbox worker runs as root; refusing to execute code")
        self.hello = hello

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            return str(self._stderr.read(4000).decode("utf-8", "replace").strip())
        except (OSError, ValueError):
            return ""

    def _stop_worker(self, *, graceful: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if graceful and proc.poll() is None:
                try:
                    assert proc.stdin is not None
                    proc.stdin.close()  # EOF: the worker exits; bwrap's init then kills the namespace
                    proc.wait(timeout=3)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # ------------------------------------------------------------ protocol

    def _send(self, message: dict[str, Any]) -> None:
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise InputError(f"inputs for the sandbox must be plain picklable values: {exc}") from None
        if len(data) > MAX_MESSAGE:
            raise InputError(f"job too large for the sandbox ({len(data)} bytes)")
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(HEADER.pack(len(data)) + data)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerLost(f"cannot write to the worker: {exc}") from None

    def _read_exact(self, size: int, deadline: float) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        chunks: list[bytes] = []
        while size:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise _WorkerLost("the worker stopped answering")
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise _WorkerLost("the worker exited")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _recv(self, deadline: float) -> dict[str, Any]:
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        if size > MAX_MESSAGE:
            raise _WorkerLost("the worker sent an oversized message")
        try:
            message = json.loads(self._read_exact(size, deadline))
        except ValueError:
            raise _WorkerLost("the worker sent a malformed message") from None
        if not isinstance(message, dict):
            raise _WorkerLost("the worker sent a malformed message")
        return message

    def run_job(self, kind: str, code: str, items: Sequence[Any], *, timeout: float,
                entry: str | None = None, budget: float | None = None) -> list[dict[str, Any]]:
        """Run ``items`` of one job kind (call, script, tests, doctests, atheris); raw result dicts, in order.

        ``timeout`` applies to each item. With ``budget`` (seconds), items not started in time come back
        with status "skipped". If the worker dies mid-job (the target killed it), the worker is restarted
        and the first unanswered item is replayed alone: if the worker dies again, that item is the
        culprit and is recorded as a crash; the remaining items then run as usual.
        """
        if timeout <= 0:
            raise InputError(f"timeout must be positive, got {timeout}")
        results: list[dict[str, Any] | None] = [None] * len(items)
        start = 0
        losses = 0
        isolate = False  # after a loss, replay the first unanswered item on its own
        began = time.monotonic()
        with self._lock:
            while start < len(items):
                self._ensure_worker()
                left = None if budget is None else max(0.001, budget - (time.monotonic() - began))
                stop = start + 1 if isolate else len(items)
                self._send({"kind": kind, "code": code, "entry": entry, "items": list(items[start:stop]),
                            "offset": start, "timeout": float(timeout), "budget": left})
                try:
                    self._collect(results, timeout)
                    start = stop
                    isolate = False
                except _WorkerLost as exc:
                    losses += 1
                    self.restarts += 1
                    self._stop_worker(graceful=False)
                    if losses > len(items) + 3:
                        raise SandboxError("the sandbox worker keeps dying", hint=self._stderr_text()) from None
                    start = next((i for i in range(start, len(items)) if results[i] is None), len(items))
                    if start == len(items):
                        break
                    if isolate:  # it died again running this item alone: this item is the culprit
                        stalled = "answering" in str(exc)
                        results[start] = {"status": "timeout" if stalled else "crash", "seconds": 0.0,
                                          "message": f"the sandbox worker was lost during this execution ({exc})"}
                        start += 1
                    isolate = not isolate
        return [r if r is not None else {"status": "crash", "message": "no result"} for r in results]

    def _collect(self, results: list[dict[str, Any] | None], timeout: float) -> None:
        deadline = time.monotonic() + timeout + _SLACK
        while True:
            message = self._recv(deadline)
            kind = message.get("type")
            if kind == "done":
                return
            if kind == "error":
                raise SandboxError(f"sandbox worker error: {str(message.get('message'))[:500]}")
            batch = message.get("results")
            if kind != "results" or not isinstance(batch, list):
                continue
            for raw in batch:
                index = raw.get("index") if isinstance(raw, dict) else None
                if isinstance(index, int) and 0 <= index < len(results):
                    results[index] = raw
            deadline = time.monotonic() + timeout + _SLACK

    # ------------------------------------------------------------ public API

    def call(self, code: str, entry_point: str, inputs: Sequence[tuple[tuple[Any, ...], dict[str, Any]]], *,
             timeout: float = 2.0) -> list[ExecResult]:
        """Import ``code`` once, then call ``entry_point(*args, **kwargs)`` for each input, each in its own fork."""
        items = []
        for position, item in enumerate(inputs):
            try:
                args, kwargs = item
                items.append((tuple(args), dict(kwargs)))
            except (TypeError, ValueError):
                raise InputError(f"input {position} must be an (args tuple, kwargs dict) pair") from None
        if not items:
            return []
        raw = self.run_job("call", code, items, timeout=timeout, entry=entry_point)
        return [ExecResult.from_worker(r) for r in raw]

    def import_error(self, code: str, entry_point: str, *, timeout: float = 10.0) -> str | None:
        """Why ``code`` cannot be imported with a callable ``entry_point`` in the sandbox, or None if it can."""
        result = ExecResult.from_worker(self.run_job("import", code, [None], timeout=timeout, entry=entry_point)[0])
        return None if result.status == "ok" else (result.message or result.status)

    def run_script(self, code: str, *, timeout: float = 10.0) -> ExecResult:
        """Run ``code`` as ``__main__`` in a fresh fork; SystemExit(0) counts as success."""
        return ExecResult.from_worker(self.run_job("script", code, [code], timeout=timeout)[0])
