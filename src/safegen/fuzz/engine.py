"""The fuzzing agent: seeds, boundary values, type-driven generation, mutation and atheris, then triage."""

from __future__ import annotations

import ast
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from safegen.fuzz.coverage import byte_kinds, run_atheris
from safegen.fuzz.minimize import minimize
from safegen.fuzz.mutate import Constants, Mutator, boundary_values, code_constants
from safegen.fuzz.signature import Signature, call_matches, parse_signature
from safegen.fuzz.strategies import draw_examples, strategy_for, use_private_storage
from safegen.fuzz.triage import (
    Finding,
    call_repr,
    classify,
    reproducer,
    strict_requirement,
)
from safegen.sandbox import ExecResult, Sandbox
from safegen.types import Defect, FuzzReport

EXEC_TIMEOUT = 1.0  # seconds per execution; a call slower than this is reported as a hang
BATCH = 50
MINIMIZE_RUNS = 60
ATHERIS_RUNS_PER_ITERATION = 200
IMPORT_ERROR = "the code cannot be imported in the sandbox:"  # prefix of FuzzReport.errors entries
ATHERIS_MAX_SECONDS = 10.0


@dataclass
class _Group:
    """All observations of one defect (same key): the first input, later minimized."""

    finding: Finding
    values: tuple[Any, ...]
    count: int = 1


@dataclass
class _State:
    signature: Signature
    code: str
    strict: bool
    timeout: float
    deadline: float
    executions: int = 0
    groups: dict[tuple[str, ...], _Group] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    import_error: str = ""
    seen: set[str] = field(default_factory=set)
    scopes: dict[str, str] = field(default_factory=dict)  # "target.py:N" -> enclosing function name


def _coerce(value: Any, annotation: Any) -> Any:
    """Light conversion of JSON-ish seeds to the hinted type (str -> bytes, list -> tuple/set, int -> float)."""
    try:
        if annotation in (bytes, bytearray) and isinstance(value, str):
            return annotation(value.encode("utf-8", "surrogatepass"))
        if annotation is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        origin = getattr(annotation, "__origin__", None) or annotation
        if origin in (tuple, set, frozenset) and isinstance(value, list):
            return origin(value)
    except (TypeError, ValueError):
        pass
    return value


def _normalize_seeds(signature: Signature, seeds: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Seeds are argument lists; for one-parameter functions a bare value is accepted too."""
    result = []
    for seed in seeds:
        if signature.arity == 1 and not (isinstance(seed, (list, tuple)) and len(seed) == 1):
            seed = [seed]
        if not isinstance(seed, (list, tuple)) or len(seed) != signature.arity:
            continue
        result.append(tuple(_coerce(v, p.annotation) for v, p in zip(seed, signature.params)))
    return result


def _scopes(code: str) -> dict[str, str]:
    """Map each line of the target to the innermost function around it."""
    scopes: dict[str, str] = {}
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return scopes
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in sorted(functions, key=lambda n: n.lineno):  # inner functions come later and win
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            scopes[f"target.py:{line}"] = node.name
    return scopes


def _key(values: tuple[Any, ...]) -> str:
    try:
        return repr(values)[:5000]
    except Exception:
        return str(id(values))


def _execute(sandbox: Sandbox, state: _State, batch: list[tuple[Any, ...]]) -> list[ExecResult]:
    """Run new inputs (skipping repeats) within the time budget; record defects."""
    fresh = []
    for values in batch:
        key = _key(values)
        if key not in state.seen:
            state.seen.add(key)
            fresh.append(values)
    left = state.deadline - time.monotonic()
    if not fresh or left <= 0 or state.import_error:
        return []
    calls = [state.signature.to_call(v) for v in fresh]
    raw = sandbox.run_job("call", state.code, calls, timeout=state.timeout, entry=state.signature.name,
                          budget=left)
    results = []
    for values, item in zip(fresh, raw):
        if item.get("status") == "skipped":
            continue
        result = ExecResult.from_worker(item)
        results.append(result)
        state.executions += 1
        if result.message.startswith("importing the code failed") or (
                result.status in ("timeout", "crash") and "being imported" in result.message):
            state.import_error = f"{IMPORT_ERROR} {result.message.removeprefix('importing the code failed: ')}"
            break
        for finding in _findings(state, result, values):
            group = state.groups.get(finding.key)
            if group is None:
                state.groups[finding.key] = _Group(finding, values)
            else:
                group.count += 1
    return results


def _findings(state: _State, result: ExecResult, values: tuple[Any, ...]) -> list[Finding]:
    """The defects in one result, as the fuzzer counts them."""
    findings = []
    ill_typed = not call_matches(state.signature, values)
    for finding in classify(result, strict=state.strict):
        if ill_typed and finding.kind == "exception" and not state.strict:
            continue  # an exception on input that breaks the type hints is the caller's fault
        if finding.kind == "hang":  # interrupted anywhere in the loop: one hang per function
            finding = replace(finding, key=("hang", state.scopes.get(finding.location, finding.location)))
        findings.append(finding)
    return findings


def _chunks(items: list[tuple[Any, ...]], size: int) -> list[list[tuple[Any, ...]]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _boundary_inputs(signature: Signature, constants: Constants, rng: random.Random,
                     count: int) -> list[tuple[Any, ...]]:
    """Each parameter walks through its boundary values while the others keep a plain value.

    The code's own literals come first (in order); the payload lists after them are shuffled.
    """
    per_param = [boundary_values(p.annotation, constants) or [None] for p in signature.params]
    plain = [values[0] for values in per_param]
    inputs: list[tuple[Any, ...]] = []
    longest = max((len(v) for v in per_param), default=0)
    for step in range(longest):
        for position, values in enumerate(per_param):
            if step < len(values):
                call = list(plain)
                call[position] = values[step]
                inputs.append(tuple(call))
    head = len(constants.ints) + len(constants.strings) + len(constants.floats) + len(constants.blobs)
    head_inputs, tail = inputs[:head * len(per_param)], inputs[head * len(per_param):]
    rng.shuffle(tail)
    return (head_inputs + tail)[:count]


def _generated_inputs(state: _State, count: int, rng_seed: int) -> list[tuple[Any, ...]]:
    try:
        strategy = st.tuples(*(strategy_for(p.annotation) for p in state.signature.params))
        return [tuple(v) for v in draw_examples(strategy, count, rng_seed)]
    except Exception as exc:  # an odd hint must not stop the other engines
        state.errors.append(f"hypothesis could not generate inputs: {type(exc).__name__}: {exc}")
        return []


def _minimize(sandbox: Sandbox, state: _State, group: _Group, seconds: float) -> tuple[tuple[Any, ...], int]:
    if group.finding.kind in ("hang", "crash"):
        budget, batch = 4, 1  # each reproduction costs a full timeout or a dead process
    else:
        budget, batch = MINIMIZE_RUNS, 8

    def reproduces(batch_values: Sequence[tuple[Any, ...]]) -> list[bool]:
        calls = [state.signature.to_call(v) for v in batch_values]
        results = sandbox.call(state.code, state.signature.name, calls, timeout=state.timeout)
        return [any(f.key == group.finding.key for f in _findings(state, r, v))
                for r, v in zip(results, batch_values)]

    return minimize(group.values, reproduces, max_runs=budget, seconds=seconds, batch=batch)


def fuzz_function(sandbox: Sandbox, code: str, entry_point: str, *, seeds: Sequence[Any] = (),
                  iterations: int = 150, seconds: float = 30.0, requirement: str = "",
                  rng_seed: int = 0, cache_dir: str | None = None) -> FuzzReport:
    """Fuzz ``entry_point`` in ``code`` with about ``iterations`` executions within ``seconds``.

    ``seeds`` are argument lists, one per call (a bare value is accepted for one-parameter functions),
    e.g. what :func:`safegen.fuzz.seeds.propose_seeds` returns. For str/bytes functions atheris adds
    up to ``200 * iterations`` cheap in-process runs, counted in ``executions``. If the code cannot be
    imported (a missing module, an error at module level) the report has no defects and an error
    starting with ``IMPORT_ERROR``.

    Order: seeds as given, boundary values of each parameter's type, hypothesis values from the type
    hints, mutations of seeds and earlier inputs, then atheris for str/bytes functions. Exceptions that
    read as input validation (ValueError, TypeError, KeyError, ...) are not defects unless the
    requirement says the function never raises. Hypothesis keeps its caches under ``cache_dir`` (safegen's
    cache dir when None), never in the working directory.
    """
    use_private_storage(cache_dir)
    started = time.monotonic()
    signature = parse_signature(code, entry_point)
    timeout = max(0.1, min(EXEC_TIMEOUT, seconds / 4))
    state = _State(signature=signature, code=code, strict=strict_requirement(requirement), timeout=timeout,
                   deadline=started + max(0.5, seconds), scopes=_scopes(code))
    rng = random.Random(rng_seed)
    engines: list[str] = []
    seed_inputs = _normalize_seeds(signature, seeds)
    iterations = max(1, iterations)

    if signature.arity == 0:  # nothing to vary: run it once (twice would only repeat)
        _execute(sandbox, state, [()])
        return _report(sandbox, state, started, ["call"])

    kinds = byte_kinds(signature, seed_inputs)
    use_atheris = kinds is not None and sandbox.atheris_available
    # atheris runs in-process inside one sandboxed execution, ~100x cheaper than a forked one: it gets
    # ATHERIS_RUNS_PER_ITERATION runs per iteration, on top of the iterations, and a share of the time.
    atheris_runs = iterations * ATHERIS_RUNS_PER_ITERATION if use_atheris else 0
    typed_budget = iterations

    first = seed_inputs[: typed_budget // 3]
    if first:
        engines.append("seeds")
    boundary = _boundary_inputs(signature, code_constants(code), rng, max(1, typed_budget // 3))
    engines.append("boundary")
    for batch in _chunks(first + boundary, BATCH):
        _execute(sandbox, state, batch)

    remaining = typed_budget - state.executions
    generated = _generated_inputs(state, max(1, remaining // 2), rng_seed)
    if generated:
        engines.append("hypothesis")
    for batch in _chunks(generated, BATCH):
        _execute(sandbox, state, batch)

    pool = seed_inputs * 4 + generated[:10] if seed_inputs else generated + boundary
    mutator = Mutator(rng)
    if pool:
        engines.append("mutation")
    attempts = 0
    while pool and state.executions < typed_budget and time.monotonic() < state.deadline and attempts < 20:
        attempts += 1
        wanted = min(BATCH, typed_budget - state.executions)
        _execute(sandbox, state, [mutator.mutate_call(rng.choice(pool)) for _ in range(wanted)])
        if state.import_error:
            break

    if use_atheris and kinds is not None and not state.import_error:
        left = min(state.deadline - time.monotonic(), ATHERIS_MAX_SECONDS, max(1.5, seconds / 3))
        if left > 1.0:
            engines.append("atheris")
            run = run_atheris(sandbox, code, signature, kinds, runs=atheris_runs, seconds=left,
                              per_input=timeout, seeds=seed_inputs, rng_seed=rng_seed)
            state.executions += run.executions
            if run.error:
                state.errors.append(run.error)
            if run.inputs:  # confirm each atheris failure with a normal execution (and classify it the same way)
                state.deadline = max(state.deadline, time.monotonic() + timeout * len(run.inputs) + 1)
                executed = state.executions
                _execute(sandbox, state, list(run.inputs))
                state.executions = executed  # confirmations are not new fuzzing executions
    return _report(sandbox, state, started, engines)


def _report(sandbox: Sandbox, state: _State, started: float, engines: list[str]) -> FuzzReport:
    defects = []
    if state.import_error:
        state.errors.append(state.import_error)
    # Minimizing gets its own small budget on top of the fuzzing time: a quarter of it, 2 to 10 s.
    shrink_until = time.monotonic() + min(10.0, max(2.0, (state.deadline - started) / 4))
    for group in state.groups.values():
        values = group.values
        left = shrink_until - time.monotonic()
        if not state.import_error and left > 0.2:
            try:
                values, _ = _minimize(sandbox, state, group, min(5.0, left))
            except Exception as exc:  # minimizing is a nicety; the defect stands without it
                state.errors.append(f"minimizing failed: {type(exc).__name__}: {exc}")
        args, kwargs = state.signature.to_call(values)
        finding = group.finding
        defects.append(Defect(kind=finding.kind, input=call_repr(state.signature.name, args, kwargs),
                              message=finding.message[:500], exception_type=finding.exception_type,
                              location=finding.location,
                              reproducer=reproducer(state.signature.name, args, kwargs, finding),
                              count=group.count))
    return FuzzReport(target=state.signature.name, executions=state.executions,
                      seconds=round(time.monotonic() - started, 3), defects=tuple(defects),
                      errors=tuple(state.errors), engines=tuple(engines))
