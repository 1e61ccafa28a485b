"""Process control for one execution: fork, limits, output capture, the deadline, and its result."""

from __future__ import annotations

import faulthandler
import json
import os
import select
import signal
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from .kinds import KINDS
from .limits import apply_execution_cpu
from .oracle import Oracle, has_defect
from .results import (
    REPR,
    clip,
    describe_status,
    dump_location,
    exception_result,
    memfd_text,
)
from .state import CONFIG

_EXITING: list[int] = []  # executions that reported and are being torn down by the kernel


def flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def execution_process(job: dict[str, Any], module: types.ModuleType | None, item: Any,
                      fds: dict[str, int]) -> None:
    """Runs in the forked child: limits, output capture, the call, then the result into a memfd."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    os.dup2(fds["out"], 1)
    os.dup2(fds["err"], 2)
    try:  # a process the target leaves behind must not hold the module process's pipe open
        os.close(CONFIG["report_fd"])
    except (KeyError, OSError):
        pass
    apply_execution_cpu(float(job["timeout"]))
    kind = KINDS[job["kind"]]
    try:  # on a timeout the module process sends SIGUSR1 to get the hanging line, then kills us
        faulthandler.register(signal.SIGUSR1, file=fds["tb"], all_threads=True)
    except (RuntimeError, ValueError, OSError):
        pass
    me = os.getpid()
    result: dict[str, Any]
    Oracle.events = []
    Oracle.active = True
    started = time.perf_counter()
    try:
        value = kind.run(module, item)
        seconds = time.perf_counter() - started
        Oracle.active = False
        if os.getpid() != me:  # a fork made by the target must not report
            os._exit(0)
        result = {"status": "ok", "seconds": seconds}
        if kind.returns == "return_repr":
            try:
                result["return_repr"] = REPR.repr(value)
            except BaseException as exc:
                result["return_repr"] = f"<repr failed: {type(exc).__name__}>"
        elif kind.returns:
            result[kind.returns] = value
    except BaseException as exc:
        seconds = time.perf_counter() - started
        Oracle.active = False
        if os.getpid() != me:
            os._exit(0)
        if kind.exit_ok and isinstance(exc, SystemExit) and exc.code in (0, None):
            result = {"status": "ok", "seconds": seconds}
        else:
            result = exception_result(exc, seconds)
    result["events"] = Oracle.events
    if has_defect(Oracle.events):
        result["status"] = "oracle"
    flush_std_streams()
    limit = int(CONFIG["limits"]["output_bytes"])
    result["stdout"] = memfd_text(fds["out"], limit)  # read here, so that the parent only forwards bytes
    result["stderr"] = memfd_text(fds["err"], limit)
    try:
        data = json.dumps(result, ensure_ascii=True, default=repr).encode()
    except BaseException:
        data = json.dumps({"status": "crash", "message": "the result could not be encoded"}).encode()
    os.write(fds["res"], data)
    os.write(fds["done"], b"1")
    os._exit(0)


def run_one(job: dict[str, Any], module: types.ModuleType | None, item: Any,
            report: Callable[[dict[str, Any]], None]) -> bytes:
    """Fork an execution process, enforce the deadline, and return its result as JSON bytes.

    The child writes its JSON result (output included) and signals "done" on a pipe before exiting:
    the parent forwards those bytes without decoding them and does not wait for the kernel to tear
    the child down. Every Python object the parent touches after a fork costs a copied page.
    """
    fds = {name: os.memfd_create(name, 0) for name in ("out", "err", "res", "tb")}
    done_r, done_w = os.pipe()
    fds["done"] = done_w
    timeout = float(job["timeout"])
    reap_finished()
    started = time.perf_counter()
    try:
        pid = os.fork()
    except OSError as exc:
        for fd in (*fds.values(), done_r):
            os.close(fd)
        return json.dumps({"status": "crash", "message": f"cannot start the execution process: {exc}"}).encode()
    if pid == 0:
        try:
            os.close(done_r)
            execution_process(job, module, item, fds)
        finally:
            os._exit(70)
    os.close(done_w)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    if not CONFIG["sandboxed"]:  # outside a PID namespace the worker must know whom to kill
        report({"t": "start", "pid": pid})
    finished = _wait_done(pid, done_r, timeout)
    os.close(done_r)
    raw = b""
    status = None
    if finished == "done":
        _EXITING.append(pid)  # reaped later, once the kernel has torn it down
        raw = os.pread(fds["res"], 8 << 20, 0)
    elif finished == "timeout":
        _dump_and_kill(pid, fds["tb"])
        status = os.waitpid(pid, 0)[1]
    else:
        status = os.waitpid(pid, 0)[1]
    kill_group(pid)  # stragglers in its process group (and the child itself, if still exiting)
    if not (raw.startswith(b"{") and raw.endswith(b"}")) or b"\n" in raw:  # one JSON object, one line
        raw = json.dumps(_no_result(finished, status, time.perf_counter() - started, timeout, fds)).encode()
    for name, fd in fds.items():
        if name != "done":
            os.close(fd)
    return raw


def _no_result(finished: str, status: int | None, elapsed: float, timeout: float,
               fds: dict[str, int]) -> dict[str, Any]:
    """The result of an execution that died or hung before writing one."""
    dump = memfd_text(fds["tb"], 8000)
    if finished == "timeout" or (status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) in (
            signal.SIGXCPU, signal.SIGKILL) and elapsed >= timeout):
        result = {"status": "timeout", "message": f"no result within {timeout:g} s", "seconds": elapsed,
                  "location": dump_location(dump), "traceback": clip(dump.replace(Oracle.cwd + os.sep, ""), 4000)}
    else:
        why = describe_status(status) if status is not None else "no result"
        result = {"status": "crash", "seconds": elapsed,
                  "message": f"the execution process died without a result ({why})"}
    limit = int(CONFIG["limits"]["output_bytes"])
    result["stdout"] = memfd_text(fds["out"], limit)
    result["stderr"] = memfd_text(fds["err"], limit)
    return result


def reap_finished(block: bool = False) -> None:
    """Reap executions that reported already (all of them, waiting, with ``block``)."""
    for pid in list(_EXITING):
        try:
            if os.waitpid(pid, 0 if block else os.WNOHANG)[0] or block:
                _EXITING.remove(pid)
        except ChildProcessError:
            _EXITING.remove(pid)


def _wait_done(pid: int, done_fd: int, timeout: float) -> str:
    """"done" (result written), "exit" (died without a result) or "timeout"."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = -1
    try:
        watched = [done_fd] + ([pidfd] if pidfd >= 0 else [])
        deadline = time.monotonic() + timeout
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return "timeout"
            ready = select.select(watched, [], [], wait if pidfd >= 0 else min(wait, 0.01))[0]
            if done_fd in ready:
                if os.read(done_fd, 1):
                    return "done"
                return "exit"  # every copy of the pipe closed without the byte: the child died
            if pidfd in ready or (pidfd < 0 and os.waitpid(pid, os.WNOHANG)[0]):
                try:  # its result may have landed just before the exit
                    os.set_blocking(done_fd, False)
                    return "done" if os.read(done_fd, 1) else "exit"
                except BlockingIOError:
                    return "exit"
    finally:
        if pidfd >= 0:
            os.close(pidfd)


def _dump_and_kill(pid: int, tb_fd: int) -> None:
    """Ask a hanging execution for its traceback (faulthandler on SIGUSR1), then kill its process group."""
    try:
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + 0.2
        size = -1
        while time.monotonic() < deadline:
            time.sleep(0.005)
            now = os.fstat(tb_fd).st_size
            if now and now == size:
                break
            size = now
    except OSError:
        pass
    kill_group(pid)


def kill_group(pgid: int) -> None:
    """SIGKILL a process group (and its leader, in case it already left the group)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(pgid, signal.SIGKILL)
    except OSError:
        pass
