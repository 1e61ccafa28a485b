"""The sandbox worker: standard library only, sent as source to the sandboxed interpreter (``python -c``).

Protocol: the host writes jobs (4-byte length + pickle) on stdin; the worker answers with messages
(4-byte length + JSON) on stdout. For each job the worker forks a *module process* that imports the
target code once; that process forks one short-lived *execution process* per input, with rlimits, an
audit-hook oracle and a wall-clock deadline. Untrusted code never runs in the worker itself.
"""

from __future__ import annotations

import ast
import builtins
import errno
import faulthandler
import json
import linecache
import math
import os
import pickle
import reprlib
import resource
import select
import shutil
import signal
import struct
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

HEADER = struct.Struct(">I")
MAX_MESSAGE = 64 << 20
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
IMPORT_SLACK = 2.0  # seconds allowed for importing the target, on top of the per-execution timeout
RESULT_SLACK = 5.0  # backstop only: the module process enforces each execution's timeout itself
SENSITIVE_READS = ("/etc/", "/root/", "/home/", "/var/", "/boot/")
FLUSH_SECONDS = 0.05  # results reach the host in batches: fewer wake-ups per execution
# Imported once in the worker so that executions that import them lazily find them loaded. Kept to
# small modules: every fork copies the worker's page tables and every execution touches (copies) some of
# its pages, so a bigger worker makes every execution slower (hashlib, typing, dataclasses cost ~0.5 ms
# per execution here). The target's own module-level imports run once per job, not per execution.
PREIMPORT = ("math", "string", "collections", "functools", "itertools", "operator", "re", "json")

CONFIG: dict[str, Any] = {}
# Frames of the worker (and of the bootstrap that loaded it) are hidden from tracebacks.
WORKER_FILES = frozenset({globals().get("__file__", "<safegen-worker>"), "<safegen-worker>", "<string>"})


# ---------------------------------------------------------------- framing

def read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=True, default=repr).encode()
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def recv_job(fd: int) -> dict[str, Any] | None:
    try:
        (size,) = HEADER.unpack(read_exact(fd, HEADER.size))
        if size > MAX_MESSAGE:
            return None
        job: dict[str, Any] = pickle.loads(read_exact(fd, size))
        return job
    except EOFError:
        return None


# ---------------------------------------------------------------- the oracle (audit hook)

class Oracle:
    """Security events seen by an audit hook installed before the target is imported."""

    active = False
    busy = False
    cwd = ""
    target = ""
    events: list[dict[str, str]] = []
    system: tuple[str, ...] = ()


def _location() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == Oracle.target:
            return f"{os.path.basename(Oracle.target)}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def _caller_is_target() -> bool:
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


# ---------------------------------------------------------------- results

_repr = reprlib.Repr()
_repr.maxstring = 1000
_repr.maxother = 1000
_repr.maxlong = 200
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 50


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


def _safe_str(exc: BaseException) -> str:
    try:
        return _clip(str(exc), 1000)
    except BaseException:
        return "<unprintable exception>"


def _exc_name(exc: BaseException) -> str:
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
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename not in WORKER_FILES]
        lines = traceback.format_list(frames[-10:]) + traceback.format_exception_only(type(exc), exc)
        text = ("Traceback (most recent call last):\n" + "".join(lines)).replace(Oracle.cwd + os.sep, "")
    except BaseException:
        text = ""
    return {
        "status": "memory" if isinstance(exc, MemoryError) else "exception",
        "exception_type": _exc_name(exc),
        "exception_bases": [c.__name__ for c in type(exc).__mro__[:-1]],
        "explicit_raise": explicit,
        "message": _safe_str(exc),
        "location": location,
        "traceback": _clip(text, 4000),
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


def _text(fd: int, limit: int) -> str:
    data, size = _read_memfd(fd, limit)
    text = data.decode("utf-8", "replace")
    if size > limit:
        text += f"\n... [{size - limit} more bytes]"
    return text


# ---------------------------------------------------------------- limits

def _set(limit: int, value: int) -> None:
    try:
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):  # the hard limit is already lower: lower the soft one only
        hard = resource.getrlimit(limit)[1]
        resource.setrlimit(limit, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def apply_module_limits(limits: dict[str, int], cpu_total: int) -> None:
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_AS, limits["memory_bytes"])
    _set(resource.RLIMIT_FSIZE, limits["file_bytes"])
    _set(resource.RLIMIT_NOFILE, limits["open_files"])
    _set(resource.RLIMIT_NPROC, limits["processes"])
    _set(resource.RLIMIT_CPU, cpu_total)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises EFBIG instead of killing


# ---------------------------------------------------------------- harnesses run in the execution process

def _call_entry(module: types.ModuleType, entry: str, item: Any) -> Any:
    args, kwargs = item
    return getattr(module, entry)(*args, **kwargs)


def _run_script(jobdir: str, source: str) -> None:
    code = compile(source, Oracle.target, "exec")
    namespace = {"__name__": "__main__", "__file__": Oracle.target, "__builtins__": builtins}
    exec(code, namespace)


def _run_tests(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """Top-level asserts, then zero-argument test_* functions, then HumanEval's check(candidate)."""
    source: str = item["tests"]
    entry: str | None = item.get("entry")
    path = os.path.join(Oracle.cwd, "tests.py")
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    namespace = module.__dict__
    total = failed = 0
    messages: list[str] = []

    def fail(what: str, exc: BaseException) -> None:
        nonlocal failed
        failed += 1
        if len(messages) < 5:
            messages.append(f"{what}: {type(exc).__name__}: {_safe_str(exc)[:300]}".rstrip(": "))

    tree = ast.parse(source, path)
    for node in tree.body:
        code = compile(ast.Module(body=[node], type_ignores=[]), path, "exec")
        counted = isinstance(node, ast.Assert)
        total += counted
        try:
            exec(code, namespace)
        except Exception as exc:
            if not counted:
                total += 1
            fail(f"tests line {node.lineno}", exc)
    for name, obj in list(namespace.items()):
        if not (name.startswith("test") and isinstance(obj, types.FunctionType)):
            continue
        if obj.__code__.co_filename != path or obj.__code__.co_argcount - len(obj.__defaults__ or ()) > 0:
            continue
        total += 1
        try:
            obj()
        except Exception as exc:
            fail(name, exc)
    check = namespace.get("check")
    if entry and isinstance(check, types.FunctionType) and check.__code__.co_filename == path:
        total += 1
        try:
            check(getattr(module, entry))
        except Exception as exc:
            fail(f"check({entry})", exc)
    return {"total": total, "failed": failed, "message": "; ".join(messages)}


def _comparison(source: str) -> tuple[str, str] | None:
    """``(call) == (expected)`` split into its two sides, None for any other example."""
    import ast

    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        return ast.unparse(node.left), ast.unparse(node.comparators[0])
    return None


def _run_doctests(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """The prompt's examples; each failure reads "call / expected / got" (the actual value, not True/False)."""
    import doctest

    examples = [doctest.Example(src, want, lineno=line) for src, want, line in item["examples"]]
    test = doctest.DocTest(examples, dict(module.__dict__), item.get("name", "prompt"), "prompt", 0, None)
    failures: list[str] = []

    class Runner(doctest.DocTestRunner):
        def report_failure(self, out: Any, test: Any, example: Any, got: str) -> None:
            sides = _comparison(example.source) if example.want.strip() == "True" else None
            if sides is None:
                failures.append(f"{example.source.strip()}\n    expected: {example.want.strip()}\n"
                                f"    got: {got.strip()}")
                return
            try:
                actual = _clip(repr(eval(sides[0], test.globs)), 300)
            except BaseException as exc:
                actual = f"raises {_exc_name(exc)}: {_clip(_safe_str(exc), 200)}"
            failures.append(f"{sides[0]}\n    expected: {sides[1]}\n    got: {actual}")

        def report_unexpected_exception(self, out: Any, test: Any, example: Any, exc_info: Any) -> None:
            sides = _comparison(example.source)
            shown = sides[0] if sides else example.source.strip()
            failures.append(f"{shown}\n    raises {_exc_name(exc_info[1])}: {_clip(_safe_str(exc_info[1]), 300)}")

    runner = Runner(verbose=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    counts = runner.run(test, out=lambda text: None, clear_globs=False)
    return {"total": counts.attempted, "failed": counts.failed, "message": _clip("\n".join(failures), 2000)}


def _run_atheris(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """Coverage-guided fuzzing of a str/bytes function; reports each distinct failure once."""
    import mmap

    import atheris

    entry = getattr(module, item["entry"])
    kinds: list[str] = item["kinds"]
    atheris.enabled_hooks.add("str")
    for obj in list(module.__dict__.values()):
        targets = [obj] if isinstance(obj, types.FunctionType) else (
            [v for v in vars(obj).values() if isinstance(v, types.FunctionType)] if isinstance(obj, type) else [])
        for func in targets:
            if func.__code__.co_filename == Oracle.target:
                try:
                    atheris.instrument_func(func)
                except Exception:
                    pass
    corpus = os.path.join(Oracle.cwd, ".corpus")
    os.mkdir(corpus)
    for number, seed in enumerate(item.get("seeds", ())):
        with open(os.path.join(corpus, f"seed{number}"), "wb") as handle:
            handle.write(seed)
    shared = mmap.mmap(-1, 8 + 65536)
    read_fd, write_fd = os.pipe()

    def decode(data: bytes) -> list[Any]:
        if len(kinds) == 1:
            return [data if kinds[0] == "bytes" else data.decode("utf-8", "replace")]
        provider = atheris.FuzzedDataProvider(data)
        values: list[Any] = []
        for position, kind in enumerate(kinds):
            last = position == len(kinds) - 1
            size = provider.remaining_bytes() if last else provider.ConsumeIntInRange(0, 64)
            values.append(provider.ConsumeBytes(size) if kind == "bytes" else provider.ConsumeUnicodeNoSurrogates(size))
        return values

    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        seen: set[tuple[str, str]] = set()

        def report(result: dict[str, Any], values: list[Any]) -> None:
            key = (result.get("exception_type", ""), result.get("location", ""))
            if key in seen or len(seen) >= 50:
                return
            seen.add(key)
            result["input"] = [repr(v)[:20000] for v in values]
            line = json.dumps(result, default=repr).encode() + b"\n"
            os.write(write_fd, line)

        def one_input(data: bytes) -> None:
            count = struct.unpack_from("<Q", shared, 0)[0] + 1
            struct.pack_into("<Q", shared, 0, count)
            struct.pack_into("<I", shared, 8, len(data[:65000]))
            shared[12:12 + len(data[:65000])] = data[:65000]
            values = decode(data)
            Oracle.events = []
            Oracle.active = True
            try:
                entry(*values)
            except BaseException as exc:
                Oracle.active = False
                report(exception_result(exc, 0.0), values)
            Oracle.active = False
            for event in Oracle.events:
                if event["kind"] in ORACLE_KINDS:
                    report({"status": "oracle", "exception_type": event["kind"], "location": event["location"],
                            "message": event["detail"], "events": [event]}, values)

        argv = ["atheris", f"-runs={item['runs']}", f"-max_total_time={max(1, int(item['seconds']))}",
                f"-timeout={max(1, math.ceil(item['per_input']))}", "-rss_limit_mb=0", "-malloc_limit_mb=0",
                f"-max_len={item.get('max_len', 4096)}", f"-seed={item.get('seed', 0) + 1}",
                f"-artifact_prefix={Oracle.cwd}/", "-print_final_stats=0", corpus]
        atheris.Setup(argv, one_input)
        atheris.Fuzz()
        os._exit(0)
    os.close(write_fd)
    findings: list[dict[str, Any]] = []
    buffer = b""
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            try:
                findings.append(json.loads(line))
            except ValueError:
                pass
    _, status = os.waitpid(pid, 0)
    executions = struct.unpack_from("<Q", shared, 0)[0]
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        (size,) = struct.unpack_from("<I", shared, 8)
        data = bytes(shared[12:12 + size])
        hang = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 70  # libFuzzer's timeout exit code
        findings.append({"status": "timeout" if hang else "crash", "input": [repr(v)[:20000] for v in decode(data)],
                         "message": ("no result within the per-input timeout" if hang
                                     else f"the fuzzing process died ({_describe_status(status)})")})
    return {"executions": executions, "findings": findings[:60]}


HARNESSES: dict[str, Callable[[types.ModuleType, Any], Any]] = {
    "call": lambda module, item: _call_entry(module, CONFIG["entry"], item),
    "import": lambda module, item: None,  # the import itself is the job
    "tests": _run_tests,
    "doctests": _run_doctests,
    "atheris": _run_atheris,
}


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by signal {name}"
    return f"exit status {os.WEXITSTATUS(status)}"


# ---------------------------------------------------------------- execution process

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
    timeout = float(job["timeout"])
    cpu = math.ceil(timeout) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError):
        pass
    kind = job["kind"]
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
        if kind == "script":
            _run_script(Oracle.cwd, item)
            value: Any = None
        else:
            assert module is not None
            value = HARNESSES[kind](module, item)
        seconds = time.perf_counter() - started
        Oracle.active = False
        if os.getpid() != me:  # a fork made by the target must not report
            os._exit(0)
        result = {"status": "ok", "seconds": seconds}
        if kind == "call":
            try:
                result["return_repr"] = _repr.repr(value)
            except BaseException as exc:
                result["return_repr"] = f"<repr failed: {type(exc).__name__}>"
        elif kind != "script":
            result["data"] = value
    except BaseException as exc:
        seconds = time.perf_counter() - started
        Oracle.active = False
        if os.getpid() != me:
            os._exit(0)
        if kind == "script" and isinstance(exc, SystemExit) and exc.code in (0, None):
            result = {"status": "ok", "seconds": seconds}
        else:
            result = exception_result(exc, seconds)
    result["events"] = Oracle.events
    if any(e["kind"] in ORACLE_KINDS for e in Oracle.events):
        result["status"] = "oracle"
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    limit = int(CONFIG["limits"]["output_bytes"])
    result["stdout"] = _text(fds["out"], limit)  # read here, so that the parent only forwards bytes
    result["stderr"] = _text(fds["err"], limit)
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
    _reap_finished()
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
    _kill_group(pid)  # stragglers in its process group (and the child itself, if still exiting)
    if not (raw.startswith(b"{") and raw.endswith(b"}")) or b"\n" in raw:  # one JSON object, one line
        raw = json.dumps(_no_result(finished, status, time.perf_counter() - started, timeout, fds)).encode()
    for name, fd in fds.items():
        if name != "done":
            os.close(fd)
    return raw


def _no_result(finished: str, status: int | None, elapsed: float, timeout: float,
               fds: dict[str, int]) -> dict[str, Any]:
    """The result of an execution that died or hung before writing one."""
    dump = _text(fds["tb"], 8000)
    if finished == "timeout" or (status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) in (
            signal.SIGXCPU, signal.SIGKILL) and elapsed >= timeout):
        result = {"status": "timeout", "message": f"no result within {timeout:g} s", "seconds": elapsed,
                  "location": _dump_location(dump), "traceback": _clip(dump.replace(Oracle.cwd + os.sep, ""), 4000)}
    else:
        why = _describe_status(status) if status is not None else "no result"
        result = {"status": "crash", "seconds": elapsed,
                  "message": f"the execution process died without a result ({why})"}
    limit = int(CONFIG["limits"]["output_bytes"])
    result["stdout"] = _text(fds["out"], limit)
    result["stderr"] = _text(fds["err"], limit)
    return result


_EXITING: list[int] = []  # executions that reported and are being torn down by the kernel


def _reap_finished(block: bool = False) -> None:
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


def _dump_location(dump: str) -> str:
    marker = f'File "{Oracle.target}", line '
    for line in dump.splitlines():
        if marker in line:
            number = line.split(marker, 1)[1].split()[0]
            return f"{os.path.basename(Oracle.target)}:{number}"
    return ""


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
    _kill_group(pid)


def _kill_group(pgid: int) -> None:
    """SIGKILL a process group (and its leader, in case it already left the group)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.kill(pgid, signal.SIGKILL)
    except OSError:
        pass


# ---------------------------------------------------------------- module process

def module_process(job: dict[str, Any], items: list[Any], first: int, write_fd: int) -> None:
    """Import the target once (unless it is a script), then run every item in its own fork."""
    def send_line(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]

    def report(message: dict[str, Any]) -> None:
        send_line(json.dumps(message, ensure_ascii=True, default=repr).encode() + b"\n")

    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    CONFIG["report_fd"] = write_fd
    jobdir = job["dir"]
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
    timeout = float(job["timeout"])
    # Harness modules load before the rlimits, once per job (not in the worker: forks would get heavier).
    if job["kind"] == "doctests":
        import doctest  # noqa: F401
    elif job["kind"] == "atheris":
        import atheris  # noqa: F401
    apply_module_limits(CONFIG["limits"], max(60, math.ceil(timeout + 1) * (len(items) + 2)))
    module: types.ModuleType | None = None
    Oracle.events = []
    if job["kind"] != "script":
        source: str = job["code"]
        module = types.ModuleType("target")
        module.__file__ = Oracle.target
        sys.modules["target"] = module
        Oracle.active = True
        started = time.perf_counter()
        try:
            code = compile(source, Oracle.target, "exec")
            exec(code, module.__dict__)
            if job["kind"] in ("call", "import") and not callable(getattr(module, job["entry"], None)):
                raise NameError(f"the code defines no function named {job['entry']!r}")
        except BaseException as exc:
            Oracle.active = False
            result = exception_result(exc, time.perf_counter() - started)
            result["events"] = Oracle.events
            result["message"] = f"importing the code failed: {result['exception_type']}: {result['message']}"
            result["stdout"] = _text(out, int(CONFIG["limits"]["output_bytes"]))
            if any(e["kind"] in ORACLE_KINDS for e in Oracle.events):
                result["status"] = "oracle"
            report({"t": "import", "ok": False, "result": result})
            os._exit(0)
        Oracle.active = False
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
    report({"t": "import", "ok": True, "events": Oracle.events})
    keep = set(os.listdir(jobdir))
    stop_at = job.get("budget_end")
    for index in range(first, len(items)):
        if stop_at is not None and time.monotonic() > stop_at:
            report({"t": "stop", "i": index})
            break
        raw = run_one(job, module, items[index], report)
        send_line(b'{"t": "result", "i": %d, "result": %s}\n' % (index, raw))
        for name in set(os.listdir(jobdir)) - keep:
            path = os.path.join(jobdir, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass
    _reap_finished(block=True)
    os._exit(0)


# ---------------------------------------------------------------- worker

def _cleanup(pgids: set[int]) -> None:
    """Kill every process the job left behind; reap our children."""
    for pgid in pgids:
        _kill_group(pgid)
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


def run_job(job: dict[str, Any], number: int) -> None:
    out = CONFIG["proto_out"]
    items: list[Any] = job["items"]
    offset = int(job.get("offset", 0))
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
    timeout = float(job["timeout"])
    index = 0
    pgids: set[int] = set()
    import_events: list[dict[str, str]] = []

    pending: list[dict[str, Any]] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if pending:
            send(out, {"type": "results", "results": pending[:]})
            pending.clear()
        last_flush = time.monotonic()

    def emit(position: int, result: dict[str, Any]) -> None:
        if import_events:
            result["events"] = import_events + list(result.get("events") or [])
            if any(e["kind"] in ORACLE_KINDS for e in import_events) and result.get("status") in ("ok", "exception"):
                result["status"] = "oracle"
        result["index"] = offset + position
        pending.append(result)
        if time.monotonic() - last_flush > FLUSH_SECONDS or result.get("status") in ("timeout", "crash"):
            flush()

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
        imported = stopped = False
        failed_import: dict[str, Any] | None = None
        buffer = b""
        deadline = time.monotonic() + timeout + IMPORT_SLACK
        stalled = False
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([read_fd], [], [], wait)[0]:
                stalled = True
                break
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            if len(buffer) > MAX_MESSAGE:
                stalled = True
                break
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                kind = message.get("t")
                if kind == "start" and isinstance(message.get("pid"), int):
                    pgids.add(message["pid"])
                elif kind == "import":
                    imported = True
                    if message.get("ok"):
                        events = message.get("events")
                        import_events = events if isinstance(events, list) else []
                    else:
                        failed = message.get("result")
                        failed_import = failed if isinstance(failed, dict) else {"status": "crash"}
                elif kind == "stop" and message.get("i") == index:
                    stopped = True
                elif kind == "result" and message.get("i") == index and isinstance(message.get("result"), dict):
                    emit(index, message["result"])
                    index += 1
                deadline = time.monotonic() + timeout + RESULT_SLACK
        os.close(read_fd)
        _kill_group(pid)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 0
        if stopped:  # the job's time budget ran out: the rest is not run
            while index < len(items):
                emit(index, {"status": "skipped"})
                index += 1
        elif failed_import is not None:
            while index < len(items):
                emit(index, dict(failed_import))
                index += 1
        elif not imported:
            message = (f"importing the code took longer than {timeout + IMPORT_SLACK:g} s" if stalled
                       else f"the code crashed while being imported ({_describe_status(status)})")
            while index < len(items):
                emit(index, {"status": "timeout" if stalled else "crash", "message": message,
                             "seconds": timeout if stalled else 0.0})
                index += 1
        elif index < len(items):
            message = ("the execution did not finish" if stalled
                       else f"the execution killed its parent process ({_describe_status(status)})")
            emit(index, {"status": "timeout" if stalled else "crash", "message": message,
                         "seconds": timeout if stalled else 0.0})
            index += 1
        _cleanup(pgids)
        pgids.clear()
    flush()
    shutil.rmtree(jobdir, ignore_errors=True)


def main() -> None:
    CONFIG.update(json.loads(sys.argv[1]))
    if CONFIG["sandboxed"] and os.getuid() == 0:
        sys.stderr.write("safegen sandbox worker refuses to run as root inside the sandbox\n")
        sys.exit(3)
    for path in CONFIG.get("extra_paths", ()):
        sys.path.append(path)
    sys.dont_write_bytecode = True
    proto_in, proto_out = os.dup(0), os.dup(1)
    CONFIG["proto_in"], CONFIG["proto_out"] = proto_in, proto_out
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    for name in PREIMPORT:
        try:
            __import__(name)
        except Exception:
            pass
    atheris_ok = False
    if CONFIG.get("want_atheris"):  # found, not imported: importing here would make every fork heavier
        import importlib.util

        atheris_ok = importlib.util.find_spec("atheris") is not None
    prefixes = {"/usr/", "/lib/", "/lib64/", "/bin/", "/sbin/", "/proc/", "/sys/", "/dev/", "/etc/localtime",
                sys.prefix + "/", sys.base_prefix + "/", sys.exec_prefix + "/"}
    prefixes.update(p.rstrip("/") + "/" for p in CONFIG.get("extra_paths", ()))
    Oracle.system = tuple(sorted(prefixes))
    sys.addaudithook(audit_hook)
    send(proto_out, {"type": "hello", "version": sys.version, "uid": os.getuid(), "pid": os.getpid(),
                     "atheris": atheris_ok})
    number = 0
    while True:
        job = recv_job(proto_in)
        if job is None:
            return
        number += 1
        try:
            run_job(job, number)
        except Exception as exc:  # a bug here must not leave the host waiting
            send(proto_out, {"type": "error", "message": f"{type(exc).__name__}: {exc}"})
        send(proto_out, {"type": "done"})


if __name__ == "__main__":
    main()
