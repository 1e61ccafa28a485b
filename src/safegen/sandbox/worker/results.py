"""Result formatting: exceptions, captured output and process statuses as plain JSON-ready dicts."""

from __future__ import annotations

import linecache
import os
import reprlib
import signal
import traceback
import types
from typing import Any

from .oracle import Oracle
from .state import is_worker_file

REPR = reprlib.Repr()
REPR.maxstring = 1000
REPR.maxother = 1000
REPR.maxlong = 200
REPR.maxlist = REPR.maxtuple = REPR.maxdict = REPR.maxset = 50


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


def safe_str(exc: BaseException) -> str:
    try:
        return clip(str(exc), 1000)
    except BaseException:
        return "<unprintable exception>"


def exc_name(exc: BaseException) -> str:
    cls = type(exc)
    module = getattr(cls, "__module__", "builtins")
    return cls.__qualname__ if module in ("builtins", "__main__", "target") else f"{module}.{cls.__qualname__}"


def _tb_location(tb: types.TracebackType | None) -> tuple[str, bool]:
    """Innermost frame inside the target, and whether the exception came from a `raise` written there."""
    location, innermost_line, innermost_file = "", "", ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == Oracle.target:
            location = f"{os.path.basename(filename)}:{tb.tb_lineno}"
        innermost_file = filename
        innermost_line = linecache.getline(filename, tb.tb_lineno).strip()
        tb = tb.tb_next
    explicit = (innermost_file == Oracle.target and innermost_line.startswith("raise ")
                and not innermost_line.startswith("raise AssertionError")
                and not innermost_line.startswith("raise NotImplementedError"))
    return location, explicit


def exception_result(exc: BaseException, seconds: float) -> dict[str, Any]:
    location, explicit = _tb_location(exc.__traceback__)
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not is_worker_file(f.filename)]
        lines = traceback.format_list(frames[-10:]) + traceback.format_exception_only(type(exc), exc)
        text = ("Traceback (most recent call last):\n" + "".join(lines)).replace(Oracle.cwd + os.sep, "")
    except BaseException:
        text = ""
    return {
        "status": "memory" if isinstance(exc, MemoryError) else "exception",
        "exception_type": exc_name(exc),
        "exception_bases": [c.__name__ for c in type(exc).__mro__[:-1]],
        "explicit_raise": explicit,
        "message": safe_str(exc),
        "location": location,
        "traceback": clip(text, 4000),
        "seconds": seconds,
    }


def _read_memfd(fd: int, limit: int) -> tuple[bytes, int]:
    size = os.fstat(fd).st_size
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while len(data) < min(size, limit):
        chunk = os.read(fd, min(size, limit) - len(data))
        if not chunk:
            break
        data += chunk
    return data, size


def memfd_text(fd: int, limit: int) -> str:
    """What a memfd holds, decoded and cut at ``limit`` bytes (with a note of what was cut)."""
    data, size = _read_memfd(fd, limit)
    text = data.decode("utf-8", "replace")
    if size > limit:
        text += f"\n... [{size - limit} more bytes]"
    return text


def describe_status(status: int) -> str:
    """A wait status in words: "killed by signal SIGKILL", "exit status 3"."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by signal {name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def dump_location(dump: str) -> str:
    """The target's innermost line in a faulthandler dump, as "target.py:N"."""
    marker = f'File "{Oracle.target}", line '
    for line in dump.splitlines():
        if marker in line:
            number = line.split(marker, 1)[1].split()[0]
            return f"{os.path.basename(Oracle.target)}:{number}"
    return ""
