"""The stages strategies are composed of: generate, analyze, fuzz, rank (repair: strategies/repair.py).

Each stage is a small function over a :class:`RunState`; it records what it did (candidates, LLM
calls, rounds, errors) in the state and never raises for bad model output.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from safegen.backends.interface import ChatMessage, Completion, GenerationParams
from safegen.errors import ExtractionError, SafegenError
from safegen.prompts import templates
from safegen.strategies import codecheck, completeness, legitimate, postprocess, verification
from safegen.strategies.state import RunState
from safegen.types import (
    AnalyzerFailure,
    Candidate,
    TestOutcome,
    Verdict,
    VerdictStatus,
)

if TYPE_CHECKING:
    from safegen.sandbox.core import Sandbox

ANALYZE_PATH = "candidate.py"
RETRY_TEMPERATURE = 0.6
KEPT_ANSWER = 4000  # characters of an answer without code kept in the record
MAX_SEEDS = 8


# --- generate -----------------------------------------------------------------------------------
def ask(state: RunState, messages: Sequence[ChatMessage], *, purpose: str, n: int = 1,
        temperature: float | None = None, seed: int | None = None,
        max_tokens: int | None = None, prefix: str = "") -> list[Completion]:
    """One backend call with the run's settings; recorded as an LLMCall.

    ``prefix`` starts the answer where the backend can continue one, and is dropped where it cannot.
    """
    s = state.settings
    params = GenerationParams(n=n, temperature=s.temperature if temperature is None else temperature,
                              top_p=s.top_p, max_tokens=max_tokens or s.max_tokens,
                              seed=s.seed if seed is None else seed,
                              prefix=prefix if state.backend.continues_answers else "")
    return state.backend.for_purpose(purpose).complete(messages, params)


def retry_temperature(state: RunState) -> float:
    """The temperature for asking again after an unusable answer: greedy decoding would repeat it."""
    return max(state.settings.temperature, RETRY_TEMPERATURE)


def extract(state: RunState, text: str) -> tuple[str, str | None]:
    """(code, None) or ("", why) for one model answer."""
    from safegen.prompts.extract import extract_code

    prompt = state.task.requirement if state.code_prompt else None
    try:
        return extract_code(text, prompt=prompt, entry_point=state.entry_point), None
    except ExtractionError as exc:
        return "", str(exc)


def generate(state: RunState, messages: Sequence[ChatMessage], *, n: int = 1, origin: str = "sample",
             purpose: str = "generate", temperature: float | None = None, round: int = 0,
             parent: str | None = None, imports: Sequence[str] = (), seed: int | None = None,
             prefix: str = "") -> list[Candidate]:
    """Ask for ``n`` answers (distinct seeds when sampling) and record each as a candidate.

    ``imports`` are fixed at the top of every extracted program (HexaCoder's second step); ``prefix`` starts
    each answer where the backend can continue one (see templates.answer_prefix).
    """
    temp = state.settings.temperature if temperature is None else temperature
    seed = state.settings.seed if seed is None else seed
    if n > 1 and temp > 0:  # separate calls with distinct seeds: reproducible and really different
        completions = [c for i in range(n) for c in ask(state, messages, purpose=purpose, temperature=temp,
                                                         seed=seed + i, prefix=prefix)]
    else:
        completions = ask(state, messages, purpose=purpose, n=n, temperature=temp, seed=seed, prefix=prefix)
    out = []
    for completion in completions:
        candidate_id = state.new_id()
        code, error = answer_code(state, candidate_id, completion.text, imports, finish=completion.finish_reason)
        candidate = Candidate(candidate_id=candidate_id, code=code, origin=origin, round=round, parent=parent,
                              error=error, answer=None if code else completion.text[:KEPT_ANSWER])
        if error:
            state.note_error(f"{candidate.candidate_id}: {error}")
        out.append(state.add(candidate))
    return out


_CUT = {"length": "the answer was cut off at the token limit", "loop": "generation was stopped: the model was "
        "repeating itself"}


def answer_code(state: RunState, candidate_id: str, text: str, imports: Sequence[str] = (), *,
                finish: str = "stop") -> tuple[str, str | None]:
    """The program in one answer, or ("", why): extracted, with logic, chosen imports fixed at its top, then
    cleaned by the strategy's answer steps (strategies/postprocess.py), whose notes go to the run's errors.
    ``finish``: why generation ended, named in the why of a cut-off answer."""
    code, error = extract(state, text)
    if code and not codecheck.has_logic(code):
        code, error = "", "the answer holds no code beyond import statements"
    elif code and not codecheck.has_logic(code, state.entry_point):
        code, error = "", f"the answer leaves `{state.entry_point}` unimplemented (only a docstring, imports or pass)"
    if not code and finish in _CUT:
        return "", f"{error} ({_CUT[finish]})"
    if code and imports:  # fix the chosen imports the code uses at its top (unused ones only add noise)
        used = codecheck.used_names(code)
        code = codecheck.ensure_imports(code, [i for i in imports if codecheck.bound_by(i) & used])
    if code:
        code, notes = postprocess.run_steps(code, state.entry_point, state.answer_steps)
        for note in notes:
            state.note_error(f"{candidate_id}: {note}")
    return code, error


MAX_IMPORTS = 6


def ask_imports(state: RunState, *, max_tokens: int = 120) -> list[str]:
    """HexaCoder step 1: the modules the model wants for a secure implementation, as ``import X`` lines.

    Only installed security modules count (codecheck.is_security_module; looked up on disk, never imported),
    each once, at most MAX_IMPORTS, without those the prompt already imports; ``from X import y`` becomes
    ``import X`` since names inside a module cannot be checked without importing it.
    """
    answer = ask(state, templates.imports_messages(state.task.requirement), purpose="imports",
                 max_tokens=max_tokens)[0].text
    text = "\n".join(line.strip() for line in answer.splitlines() if line.strip().startswith(("import ", "from ")))
    given = set(codecheck.imported_modules(state.task.requirement)) if state.code_prompt else set()
    modules: list[str] = []
    for module in codecheck.imported_modules(text):
        if (module not in modules and module not in given and codecheck.is_security_module(module)
                and codecheck.module_exists(module)):
            modules.append(module)
    lines = [f"import {module}" for module in modules[:MAX_IMPORTS]]
    if state.observations.imports is None:  # the first choice is the one the run used
        state.observations = dataclasses.replace(state.observations, imports=tuple(lines))
    return lines


# --- analyze ------------------------------------------------------------------------------------
def _failed_verdict(tool: str, message: str) -> Verdict:
    return Verdict(status=VerdictStatus.UNKNOWN, errors=(AnalyzerFailure(tool=tool, message=message),))


def scan(state: RunState, codes: Sequence[str]) -> list[Verdict]:
    """Static verdicts for several programs in one ensemble batch; failures become UNKNOWN (fail closed)."""
    analyzer = state.ctx.analyzer
    if analyzer is None:
        return [_failed_verdict("ensemble", "no analyzer configured") for _ in codes]
    if not codes:
        return []
    try:
        if len(codes) == 1:
            return [analyzer.check(codes[0], path=ANALYZE_PATH)]
        from safegen.analyzers.interface import SourceFile

        files = [SourceFile(path=f"candidate_{i}.py", code=code) for i, code in enumerate(codes)]
        verdicts: list[Verdict] = list(analyzer.scan(files))
        return verdicts
    except SafegenError as exc:
        state.note_error(f"analysis failed: {exc}")
        return [_failed_verdict("ensemble", str(exc)) for _ in codes]


def check_tests(state: RunState, code: str) -> TestOutcome | None:
    """Run the visible tests (user tests, else the prompt's doctests) in the sandbox; None when there are none."""
    sandbox = state.ctx.sandbox
    task = state.task
    if sandbox is None or not code:
        return None
    try:
        if task.tests:
            from safegen.sandbox.tests import run_tests

            return run_tests(sandbox, state.as_run(code), task.tests, entry_point=state.entry_point)
        if state.code_prompt and state.entry_point:  # doctests or "f(x) == y" examples; None without any
            from safegen.sandbox.tests import run_doctests

            return run_doctests(sandbox, state.as_run(code), task.requirement, state.entry_point)
    except SafegenError as exc:  # fail closed: tests that could not run did not pass
        state.note_error(f"tests could not run: {exc}")
        return TestOutcome(passed=False, total=0, failed=0, message=str(exc))
    return None


def score(state: RunState, code: str) -> float | None:
    """The learned vulnerability score (0 safe .. 1 vulnerable), None without a scorer."""
    scorer = state.ctx.scorer
    if scorer is None or not code:
        return None
    try:
        return float(scorer.score(code))
    except Exception as exc:  # noqa: BLE001 - a broken scorer only loses its tie-breaking, never the run
        state.note_error(f"scorer failed: {exc}")
        return None


def analyze(state: RunState, candidates: Sequence[Candidate], *, tests: bool = True,
            scored: bool = False) -> list[Candidate]:
    """Verdict (and visible tests, learned score) for every candidate with code."""
    todo = [c for c in candidates if c.code and c.verdict is None]
    verdicts = scan(state, [c.code for c in todo])
    done: dict[str, Candidate] = {}
    for candidate, verdict in zip(todo, verdicts):
        changes: dict[str, Any] = {"verdict": verdict}
        if tests:
            changes["tests"] = check_tests(state, candidate.code)
        if scored:
            changes["score"] = score(state, candidate.code)
        done[candidate.candidate_id] = verification.examine(state, state.update(candidate, **changes))
    result = [done.get(c.candidate_id, state.get(c.candidate_id)) for c in candidates]
    if state.derive_on_analyze and state.trusted is None and any(c.code for c in result):
        verification.derive(state, result)  # the first answers vote on the tests derived from the requirement
        result = [state.get(c.candidate_id) for c in result]
    return result


# --- fuzz ---------------------------------------------------------------------------------------
def fuzz(state: RunState, candidate: Candidate) -> Candidate:
    """Fuzz the entry point in the sandbox with LLM-proposed seeds (proposed once per run)."""
    sandbox, entry = state.ctx.sandbox, state.entry_point
    if sandbox is None or not entry or not candidate.code:
        return candidate
    if codecheck.signature(candidate.code, entry) is None:
        return candidate
    from safegen.fuzz import fuzz_function
    from safegen.fuzz.feedback import shift_locations

    if state.seeds is None and _importable(state, candidate.code, entry):  # else a later version may be
        from safegen.fuzz.seeds import propose_seeds

        try:
            state.seeds = list(propose_seeds(state.backend.for_purpose("fuzz-seeds"), state.task.requirement,
                                             candidate.code, entry, n=MAX_SEEDS))
        except SafegenError as exc:
            state.note_error(f"seed proposal failed: {exc}")
            state.seeds = []
    s = state.settings
    try:
        # fuzz_function still names the concrete Sandbox; it asks no more of it than SandboxLike offers
        report = fuzz_function(cast("Sandbox", sandbox), state.as_run(candidate.code), entry,
                               seeds=tuple(state.seeds or ()), iterations=s.fuzz_iterations, seconds=s.fuzz_seconds,
                               requirement=state.task.requirement, rng_seed=s.seed, cache_dir=s.cache_dir)
    except SafegenError as exc:
        state.note_error(f"fuzzing {candidate.candidate_id} failed: {exc}")
        return candidate
    return state.update(candidate, fuzz=shift_locations(report, state.lines_before(candidate.code)))


def _importable(state: RunState, code: str, entry: str) -> bool:
    """Whether the code imports in the sandbox: seeds are not worth an LLM call for code that cannot run."""
    try:
        return state.ctx.sandbox is not None and state.ctx.sandbox.import_error(state.as_run(code), entry) is None
    except SafegenError:
        return False


def defect_count(candidate: Candidate) -> int:
    return len(candidate.fuzz.defects) if candidate.fuzz else 0


# --- rank ---------------------------------------------------------------------------------------
UNANALYZED = (3, 0, 0)


def verdict_key(candidate: Candidate) -> tuple[int, int, int]:
    """The verdict's rank (status, severity mass, count; smaller is better), UNANALYZED without one."""
    return candidate.verdict.rank_key() if candidate.verdict else UNANALYZED


def selection_key(state: RunState, candidate: Candidate, *, use_score: bool = False) -> tuple[Any, ...]:
    """Smaller is better: entry point intact, no confirmed exploit, then the verdict (status, severity mass, count:
    never worse), then visible tests, then (optionally) the learned score, then fuzz defects. Tests come before the score:
    among equally clean versions the one that works wins; the score only breaks the remaining ties.

    With ``evidence_first`` (strategies/verification.py) executed evidence comes before the verdict: the
    visible and trusted derived tests pass, then the first answer's line before more answers, then the attacks
    fail, then the verdict and the rest. With
    ``completion`` code that cannot run as written (strategies/completeness.py) follows right after the
    entry point, and with ``legitimate_callers`` or ``legitimate_rank`` code that refuses a caller the task allows
    or lets its outsider twin in (legitimate.py)."""
    runs = (0 if state.signature_ok(candidate) else 1, completeness.incomplete(state, candidate),
            legitimate.refuses(state, candidate))
    learned = candidate.score if use_score and candidate.score is not None else 0.0
    tests_bad = 1 if fails_tests(candidate) else 0
    if state.verify.evidence_first:
        return (*runs, tests_bad, *verification.evidence_key(state.candidates, candidate), *verdict_key(candidate), learned,
                defect_count(candidate))
    exploited = 1 if verification.attack_rank(candidate) == 2 else 0  # a confirmed exploit ranks below the rest
    return (*runs, exploited, *verdict_key(candidate), tests_bad, learned, defect_count(candidate))


def fails_tests(candidate: Candidate) -> bool:
    """The candidate's visible tests ran and did not all pass."""
    return candidate.tests is not None and not candidate.tests.passed


def securecoder_key(state: RunState, candidate: Candidate) -> tuple[Any, ...]:
    """SecureCoder's ranking of independent samples: verdict status, then learned score, then findings."""
    status, weight, count = verdict_key(candidate)
    learned = candidate.score if candidate.score is not None else 0.0
    return (0 if state.signature_ok(candidate) else 1, status, learned, weight, count)


def rank(state: RunState, candidates: Sequence[Candidate] | None = None, *,
         use_score: bool = False) -> list[Candidate]:
    """Eligible candidates best first; ties keep their order of creation (earlier wins)."""
    pool = [c for c in (candidates if candidates is not None else state.eligible())
            if c.code and c.candidate_id not in state.rejected]
    return sorted(pool, key=lambda c: selection_key(state, c, use_score=use_score))


def best(state: RunState, *, use_score: bool = False) -> Candidate | None:
    """Never worse: the best version seen in the whole run."""
    ranked = rank(state, use_score=use_score)
    return ranked[0] if ranked else None
