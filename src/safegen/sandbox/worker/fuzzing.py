"""Coverage-guided fuzzing with atheris (libFuzzer), run inside one execution process."""

from __future__ import annotations

import math
import os
import struct
import types
from typing import Any

from .oracle import ORACLE_KINDS, Oracle
from .protocol import send_line, take_lines
from .results import describe_status, exception_result


def _instrument(module: types.ModuleType, atheris: Any) -> None:
    """Instrument the target's own functions and methods for coverage."""
    for obj in list(module.__dict__.values()):
        targets = [obj] if isinstance(obj, types.FunctionType) else (
            [v for v in vars(obj).values() if isinstance(v, types.FunctionType)] if isinstance(obj, type) else [])
        for func in targets:
            if func.__code__.co_filename == Oracle.target:
                try:
                    atheris.instrument_func(func)
                except Exception:
                    pass


def run_atheris(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """Coverage-guided fuzzing of a str/bytes function; reports each distinct failure once."""
    import mmap

    import atheris  # loaded once per job by the module process (see kinds.py), not by the worker

    entry = getattr(module, item["entry"])
    kinds: list[str] = item["kinds"]
    atheris.enabled_hooks.add("str")
    _instrument(module, atheris)
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
            send_line(write_fd, result)

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
    findings: list[Any] = []
    buffer = b""
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        lines, buffer = take_lines(buffer + chunk)
        findings.extend(lines)
    _, status = os.waitpid(pid, 0)
    executions = struct.unpack_from("<Q", shared, 0)[0]
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        (size,) = struct.unpack_from("<I", shared, 8)
        data = bytes(shared[12:12 + size])
        hang = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 70  # libFuzzer's timeout exit code
        findings.append({"status": "timeout" if hang else "crash", "input": [repr(v)[:20000] for v in decode(data)],
                         "message": ("no result within the per-input timeout" if hang
                                     else f"the fuzzing process died ({describe_status(status)})")})
    return {"executions": executions, "findings": findings[:60]}
