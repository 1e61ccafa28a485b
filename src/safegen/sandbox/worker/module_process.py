"""The module process: imports the target once per job, then runs every item in its own execution process."""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
import types
from typing import Any

from .execution import flush_std_streams, reap_finished, run_one
from .kinds import KINDS
from .limits import apply_module_limits
from .oracle import Oracle, has_defect
from .protocol import send_line, write_all
from .results import exception_result, memfd_text
from .state import CONFIG


def _isolate(jobdir: str, write_fd: int) -> int:
    """Own process group, the job's directory, a clean environment; stdout and stderr into a memfd."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    CONFIG["report_fd"] = write_fd
    os.chdir(jobdir)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": jobdir, "TMPDIR": jobdir, "LANG": "C.UTF-8"})
    for fd in (CONFIG["proto_in"], CONFIG["proto_out"]):
        os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    out = os.memfd_create("import-out", 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    return out


def _import_target(job: dict[str, Any], out: int) -> types.ModuleType | dict[str, Any]:
    """The target imported as module ``target``, or the failed import's result."""
    module = types.ModuleType("target")
    module.__file__ = Oracle.target
    sys.modules["target"] = module
    Oracle.active = True
    started = time.perf_counter()
    try:
        code = compile(job["code"], Oracle.target, "exec")
        exec(code, module.__dict__)
        if KINDS[job["kind"]].needs_entry and not callable(getattr(module, job["entry"], None)):
            raise NameError(f"the code defines no function named {job['entry']!r}")
    except BaseException as exc:
        Oracle.active = False
        result = exception_result(exc, time.perf_counter() - started)
        result["events"] = Oracle.events
        result["message"] = f"importing the code failed: {result['exception_type']}: {result['message']}"
        result["stdout"] = memfd_text(out, int(CONFIG["limits"]["output_bytes"]))
        if has_defect(Oracle.events):
            result["status"] = "oracle"
        return result
    Oracle.active = False
    flush_std_streams()
    return module


def _remove_new_files(jobdir: str, keep: set[str]) -> None:
    for name in set(os.listdir(jobdir)) - keep:
        path = os.path.join(jobdir, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def module_process(job: dict[str, Any], items: list[Any], first: int, write_fd: int) -> None:
    """Import the target once (unless the kind runs scripts), then run every item in its own fork."""
    def report(message: dict[str, Any]) -> None:
        send_line(write_fd, message)

    jobdir = job["dir"]
    out = _isolate(jobdir, write_fd)
    kind = KINDS[job["kind"]]
    timeout = float(job["timeout"])
    for name in kind.preload:  # before the rlimits, once per job (not in the worker: forks would get heavier)
        __import__(name)
    apply_module_limits(CONFIG["limits"], max(60, math.ceil(timeout + 1) * (len(items) + 2)))
    module: types.ModuleType | None = None
    Oracle.events = []
    if kind.imports_target:
        imported = _import_target(job, out)
        if isinstance(imported, dict):
            report({"t": "import", "ok": False, "result": imported})
            os._exit(0)
        module = imported
    report({"t": "import", "ok": True, "events": Oracle.events})
    keep = set(os.listdir(jobdir))
    stop_at = job.get("budget_end")
    for index in range(first, len(items)):
        if stop_at is not None and time.monotonic() > stop_at:
            report({"t": "stop", "i": index})
            break
        raw = run_one(job, module, items[index], report)
        write_all(write_fd, b'{"t": "result", "i": %d, "result": %s}\n' % (index, raw))
        _remove_new_files(jobdir, keep)
    reap_finished(block=True)
    os._exit(0)
