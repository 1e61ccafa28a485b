"""One job in the worker: forks module processes, relays their results in batches, survives their deaths."""

from __future__ import annotations

import linecache
import os
import select
import shutil
import signal
import time
from typing import Any

from .execution import kill_group
from .kinds import KINDS
from .module_process import module_process
from .oracle import Oracle, has_defect
from .protocol import MAX_MESSAGE, send, take_lines
from .results import describe_status
from .state import CONFIG

IMPORT_SLACK = 2.0  # seconds allowed for importing the target, on top of the per-execution timeout
RESULT_SLACK = 5.0  # backstop only: the module process enforces each execution's timeout itself
FLUSH_SECONDS = 0.05  # results reach the host in batches: fewer wake-ups per execution


def _cleanup(pgids: set[int]) -> None:
    """Kill every process the job left behind; reap our children."""
    for pgid in pgids:
        kill_group(pgid)
    if CONFIG["sandboxed"] and os.getuid() != 0:
        # Inside our own PID namespace as an unprivileged, per-sandbox uid: -1 means "everything we started".
        for _ in range(200):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            except OSError:
                break
            _reap()
            time.sleep(0.001)
    _reap()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _prepare(job: dict[str, Any], number: int) -> None:
    """The job's private directory with the target written into it (for tracebacks and the oracle)."""
    if job["kind"] not in KINDS:
        raise ValueError(f"unknown job kind {job['kind']!r}")
    jobdir = os.path.join(CONFIG["root"], f"job{number}")
    os.mkdir(jobdir, 0o700)
    job["dir"] = jobdir
    Oracle.cwd = os.path.realpath(jobdir)
    Oracle.target = os.path.join(Oracle.cwd, "target.py")
    source = job["code"]
    with open(Oracle.target, "w", encoding="utf-8") as handle:
        handle.write(source)
    linecache.cache[Oracle.target] = (len(source), None, source.splitlines(True), Oracle.target)
    CONFIG["entry"] = job.get("entry")
    if job.get("budget"):
        job["budget_end"] = time.monotonic() + float(job["budget"])


class _Relay:
    """Results on their way to the host: import events folded in, indices offset, sent in batches."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.import_events: list[dict[str, str]] = []
        self.pending: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()

    def flush(self) -> None:
        if self.pending:
            send(CONFIG["proto_out"], {"type": "results", "results": self.pending[:]})
            self.pending.clear()
        self.last_flush = time.monotonic()

    def emit(self, position: int, result: dict[str, Any]) -> None:
        if self.import_events:
            result["events"] = self.import_events + list(result.get("events") or [])
            if has_defect(self.import_events) and result.get("status") in ("ok", "exception"):
                result["status"] = "oracle"
        result["index"] = self.offset + position
        self.pending.append(result)
        if time.monotonic() - self.last_flush > FLUSH_SECONDS or result.get("status") in ("timeout", "crash"):
            self.flush()


class _Round:
    """What one module process told the worker before it ended or stalled."""

    def __init__(self) -> None:
        self.imported = self.stopped = self.stalled = False
        self.failed_import: dict[str, Any] | None = None


def _listen(read_fd: int, index: int, timeout: float, pgids: set[int], relay: _Relay,
            seen: _Round) -> int:
    """Relay one module process's messages until it ends or stalls; the index of the next unanswered item."""
    buffer = b""
    deadline = time.monotonic() + timeout + IMPORT_SLACK
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([read_fd], [], [], wait)[0]:
            seen.stalled = True
            return index
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            return index
        buffer += chunk
        if len(buffer) > MAX_MESSAGE:
            seen.stalled = True
            return index
        messages, buffer = take_lines(buffer)
        for message in messages:
            if not isinstance(message, dict):
                continue
            kind = message.get("t")
            if kind == "start" and isinstance(message.get("pid"), int):
                pgids.add(message["pid"])
            elif kind == "import":
                seen.imported = True
                if message.get("ok"):
                    events = message.get("events")
                    relay.import_events = events if isinstance(events, list) else []
                else:
                    failed = message.get("result")
                    seen.failed_import = failed if isinstance(failed, dict) else {"status": "crash"}
            elif kind == "stop" and message.get("i") == index:
                seen.stopped = True
            elif kind == "result" and message.get("i") == index and isinstance(message.get("result"), dict):
                relay.emit(index, message["result"])
                index += 1
            deadline = time.monotonic() + timeout + RESULT_SLACK


def _settle(seen: _Round, status: int, index: int, count: int, timeout: float, relay: _Relay) -> int:
    """Results for the items a module process left unanswered; the index of the next one to run."""
    if seen.stopped:  # the job's time budget ran out: the rest is not run
        fill: dict[str, Any] | None = {"status": "skipped"}
    elif seen.failed_import is not None:
        fill = seen.failed_import
    elif not seen.imported:
        message = (f"importing the code took longer than {timeout + IMPORT_SLACK:g} s" if seen.stalled
                   else f"the code crashed while being imported ({describe_status(status)})")
        fill = {"status": "timeout" if seen.stalled else "crash", "message": message,
                "seconds": timeout if seen.stalled else 0.0}
    else:
        fill = None
    if fill is not None:
        while index < count:
            relay.emit(index, dict(fill))
            index += 1
    elif index < count:
        message = ("the execution did not finish" if seen.stalled
                   else f"the execution killed its parent process ({describe_status(status)})")
        relay.emit(index, {"status": "timeout" if seen.stalled else "crash", "message": message,
                           "seconds": timeout if seen.stalled else 0.0})
        index += 1
    return index


def run_job(job: dict[str, Any], number: int) -> None:
    """Run every item of ``job``; a module process that dies is replaced and the job goes on."""
    _prepare(job, number)
    items: list[Any] = job["items"]
    timeout = float(job["timeout"])
    relay = _Relay(int(job.get("offset", 0)))
    index = 0
    pgids: set[int] = set()
    while index < len(items):
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            _cleanup(pgids)
            pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                module_process(job, items, index, write_fd)
            finally:
                os._exit(70)
        os.close(write_fd)
        pgids.add(pid)
        seen = _Round()
        index = _listen(read_fd, index, timeout, pgids, relay, seen)
        os.close(read_fd)
        kill_group(pid)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 0
        index = _settle(seen, status, index, len(items), timeout, relay)
        _cleanup(pgids)
        pgids.clear()
    relay.flush()
    shutil.rmtree(job["dir"], ignore_errors=True)
