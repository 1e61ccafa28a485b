"""The audit-hook oracle: records (and blocks) security events of the target while it runs."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

# Events that make an execution a security defect; "spawn" (a non-shell process) is only recorded.
ORACLE_KINDS = ("write_outside", "read_outside", "network", "shell")
BLOCKED_KINDS = ("write_outside", "network", "shell")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "ash", "busybox"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
HARMLESS_WRITES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2",
                             "/proc/self/fd/1", "/proc/self/fd/2"})
# Frames in these stdlib files only forward a path the caller chose; skip them to find who asked.
PLUMBING = ("pathlib.py", "codecs.py", "_pyio.py", "shutil.py", "os.py", "fileinput.py", "genericpath.py",
            "tempfile.py", "io.py")
MAX_EVENTS = 20
SENSITIVE_READS = ("/etc/", "/root/", "/home/", "/var/", "/boot/")


class Oracle:
    """Security events seen by an audit hook installed before the target is imported."""

    active = False
    busy = False
    cwd = ""
    target = ""
    events: list[dict[str, str]] = []
    system: tuple[str, ...] = ()


def has_defect(events: Iterable[dict[str, str]]) -> bool:
    """Whether any event is a security defect (a non-shell process start is only recorded)."""
    return any(e["kind"] in ORACLE_KINDS for e in events)


def _location() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == Oracle.target:
            return f"{os.path.basename(Oracle.target)}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def _caller_is_target() -> bool:
    # Frame 3 is the caller of the audited function: 0 is here, 1 the handler, 2 the audit hook.
    frame = sys._getframe(3)
    while frame is not None and frame.f_code.co_filename.endswith(PLUMBING):
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and frame.f_code.co_filename == Oracle.target


def _resolve(path: Any) -> str | None:
    if isinstance(path, int):
        return None
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        return None
    if text in HARMLESS_WRITES or text == ":memory:" or text == "":
        return None
    if not os.path.isabs(text):
        text = os.path.join(os.getcwd(), text)
    return os.path.realpath(text)


def _outside(path: str | None) -> bool:
    if path is None:
        return False
    cwd = Oracle.cwd
    return not (path == cwd or path.startswith(cwd + os.sep) or path in HARMLESS_WRITES
                or path.startswith("/proc/self/fd/") or path.startswith("/dev/pts/"))


def _record(kind: str, detail: str) -> None:
    if len(Oracle.events) < MAX_EVENTS:
        Oracle.events.append({"kind": kind, "detail": detail[:300], "location": _location()})
    if kind in BLOCKED_KINDS:
        raise PermissionError(errno.EACCES, f"blocked by the safegen sandbox ({kind}): {detail[:120]}")


def _check_write(*paths: Any) -> None:
    for path in paths:
        resolved = _resolve(path)
        if _outside(resolved):
            _record("write_outside", f"write to {resolved}")


def _on_open(args: tuple[Any, ...]) -> None:
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    writing = bool(isinstance(flags, int) and flags & WRITE_FLAGS) or bool(
        isinstance(mode, str) and any(c in mode for c in "wax+"))
    if writing:
        _check_write(path)
        return
    if isinstance(path, (str, bytes)) and os.fsdecode(path).startswith(Oracle.system):
        return
    resolved = _resolve(path)
    if resolved is None or not _outside(resolved) or resolved.startswith(Oracle.system):
        return
    # Reading from a fixed base directory is a design choice; escaping one with ".." or landing in
    # system or home directories is path traversal.
    raw = os.fsdecode(os.fspath(path))
    traversal = ".." in raw.replace("\\", "/").split("/") or resolved.startswith(SENSITIVE_READS)
    if traversal and _caller_is_target():
        _record("read_outside", f"read of {resolved} (from {raw[:100]!r})")


def _is_shell(program: Any) -> bool:
    try:
        name = os.path.basename(os.fsdecode(program))
    except TypeError:
        return False
    return name in SHELLS


def _on_spawn(program: Any, argv: Any) -> None:
    first = argv[0] if isinstance(argv, (list, tuple)) and argv else argv
    shown = " ".join(str(a) for a in argv) if isinstance(argv, (list, tuple)) else str(argv)
    if _is_shell(program) or _is_shell(first):
        _record("shell", f"shell started: {shown}")
    elif len(Oracle.events) < MAX_EVENTS:
        Oracle.events.append({"kind": "spawn", "detail": f"process started: {shown}"[:300],
                              "location": _location()})


def _on_connect(args: tuple[Any, ...]) -> None:
    _record("network", f"connection to {args[1]!r}")


HANDLERS: dict[str, Callable[[tuple[Any, ...]], None]] = {
    "open": _on_open,
    "os.mkdir": lambda a: _check_write(a[0]),
    "os.rmdir": lambda a: _check_write(a[0]),
    "os.remove": lambda a: _check_write(a[0]),
    "os.rename": lambda a: _check_write(a[0], a[1]),
    "os.link": lambda a: _check_write(a[1]),
    "os.symlink": lambda a: _check_write(a[1]),
    "os.chmod": lambda a: _check_write(a[0]),
    "os.chown": lambda a: _check_write(a[0]),
    "os.truncate": lambda a: _check_write(a[0]),
    "os.utime": lambda a: _check_write(a[0]),
    "shutil.rmtree": lambda a: _check_write(a[0]),
    "shutil.copyfile": lambda a: _check_write(a[1]),
    "shutil.copytree": lambda a: _check_write(a[1]),
    "shutil.move": lambda a: _check_write(a[0], a[1]),
    "sqlite3.connect": lambda a: _check_write(a[0]),
    "socket.connect": _on_connect,
    "socket.sendto": _on_connect,
    "socket.getaddrinfo": lambda a: _record("network", f"name lookup of {a[0]!r}"),
    "urllib.Request": lambda a: _record("network", f"request to {a[0]!r}"),
    "os.system": lambda a: _record("shell", f"os.system({a[0]!r})"),
    "subprocess.Popen": lambda a: _on_spawn(a[0] or (a[1][0] if a[1] else ""), a[1]),
    "os.exec": lambda a: _on_spawn(a[0], a[1]),
    "os.posix_spawn": lambda a: _on_spawn(a[0], a[1]),
    "os.spawn": lambda a: _on_spawn(a[1], a[2]),
    "pty.spawn": lambda a: _on_spawn(a[0][0] if a[0] else "", a[0]),
}


def audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if not Oracle.active or Oracle.busy:
        return
    handler = HANDLERS.get(event)
    if handler is None:
        return
    Oracle.busy = True
    try:
        handler(args)
    except PermissionError:
        raise
    except Exception:  # a malformed event must never break the target
        pass
    finally:
        Oracle.busy = False
