"""Coverage-guided fuzzing with atheris (libFuzzer) for functions that take str or bytes, inside the sandbox."""

from __future__ import annotations

import ast
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safegen.fuzz.signature import Signature
from safegen.sandbox import Sandbox

MAX_PARAMS = 3
STARTUP_SECONDS = 20.0  # import of atheris and libFuzzer set-up, on a busy machine


@dataclass(frozen=True)
class CoverageRun:
    """What the atheris engine did: executions and the inputs behind each distinct failure."""

    executions: int
    inputs: tuple[tuple[Any, ...], ...]
    error: str = ""


def byte_kinds(signature: Signature, seeds: Sequence[Sequence[Any]] = ()) -> list[str] | None:
    """["str", "bytes", ...] if every fuzzed parameter is text or bytes (by hint, else by the seeds)."""
    if not 1 <= signature.arity <= MAX_PARAMS or any(p.keyword_only for p in signature.params):
        return None
    kinds = []
    for position, param in enumerate(signature.params):
        if param.annotation is str:
            kinds.append("str")
        elif param.annotation in (bytes, bytearray):
            kinds.append("bytes")
        elif param.annotation is typing.Any and seeds and all(
                len(s) > position and isinstance(s[position], (str, bytes)) for s in seeds):
            kinds.append("bytes" if isinstance(seeds[0][position], bytes) else "str")
        else:
            return None
    return kinds


def _seed_bytes(seeds: Sequence[Sequence[Any]], kinds: list[str]) -> list[bytes]:
    if len(kinds) != 1:
        return []
    found = []
    for seed in seeds[:64]:
        value = seed[0] if seed else None
        if isinstance(value, str):
            found.append(value.encode("utf-8", "surrogatepass")[:4096])
        elif isinstance(value, (bytes, bytearray)):
            found.append(bytes(value)[:4096])
    return found


def run_atheris(sandbox: Sandbox, code: str, signature: Signature, kinds: list[str], *, runs: int,
                seconds: float, per_input: float, seeds: Sequence[Sequence[Any]] = (),
                rng_seed: int = 0) -> CoverageRun:
    """One atheris session in the sandbox; failures come back as inputs to confirm with normal executions."""
    item = {"entry": signature.name, "kinds": kinds, "runs": max(1, runs), "seconds": max(1.0, seconds),
            "per_input": per_input, "seeds": _seed_bytes(seeds, kinds), "max_len": 4096, "seed": rng_seed}
    raw = sandbox.run_job("atheris", code, [item], timeout=seconds + STARTUP_SECONDS, entry=signature.name)[0]
    data = raw.get("data")
    if raw.get("status") != "ok" or not isinstance(data, dict):
        reason = str(raw.get("message") or raw.get("status"))[:300]
        return CoverageRun(executions=0, inputs=(), error=f"atheris did not run: {reason}")
    executions = data.get("executions")
    inputs: list[tuple[Any, ...]] = []
    for finding in data.get("findings") or ():
        values = finding.get("input") if isinstance(finding, dict) else None
        if not isinstance(values, list) or len(values) != len(kinds):
            continue
        try:
            parsed = tuple(ast.literal_eval(v) for v in values if isinstance(v, str))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue  # truncated repr: cannot be replayed
        if len(parsed) == len(kinds) and all(isinstance(v, (str, bytes)) for v in parsed):
            inputs.append(parsed)
    return CoverageRun(executions=int(executions) if isinstance(executions, int) else 0, inputs=tuple(inputs))
