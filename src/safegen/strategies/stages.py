"""The stages strategies are composed of: generate, analyze, fuzz, rank, repair.

Each stage is a small function over a :class:`RunState`; it records what it did (candidates, LLM
calls, rounds, errors) in the state and never raises for bad model output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from safegen import progress
from safegen.backends.interface import ChatMessage, Completion, GenerationParams
from safegen.errors import ExtractionError, SafegenError
from safegen.prompts import feedback as fb
from safegen.prompts import templates
from safegen.strategies import codecheck, selftests
from safegen.strategies.state import RunState
from safegen.types import (
    AnalyzerFailure,
    Candidate,
    RepairRound,
    TestOutcome,
    Verdict,
    VerdictStatus,
)

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
    """The program in one answer, or ("", why): extracted, with logic, chosen imports fixed at its top,
    imports of missing modules repaired and standard ones it forgot added (strategy option ``fix_imports``),
    the demo it appends after the entry point dropped (option ``drop_self_tests``, strategies/selftests.py),
    unused imports dropped (option ``prune_imports``). ``finish``: why generation ended, named in the why of a
    cut-off answer."""
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
    if code and state.options.get("fix_imports"):
        code, notes = codecheck.fix_missing_imports(code)
        if notes:
            state.note_error(f"{candidate_id}: imports of missing modules fixed: {'; '.join(notes)}")
        code, added = codecheck.add_stdlib_imports(code)
        if added:
            state.note_error(f"{candidate_id}: imports the code used without importing added: {'; '.join(added)}")
    if code and state.options.get("drop_self_tests"):
        code, _ = selftests.drop_self_tests(code, state.entry_point or codecheck.guess_entry_point(code))
    if code and state.options.get("prune_imports"):  # after the demo went: it may have used an import
        code, _ = codecheck.prune_unused_imports(code)
    return code, error


MAX_IMPORTS = 6


def ask_imports(state: RunState, *, max_tokens: int = 120) -> list[str]:
    """HexaCoder step 1: the modules the model wants for a secure implementation, as ``import X`` lines.

    Only installed security modules count (codecheck.SECURITY_MODULES; looked up on disk, never imported),
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
    state.options.setdefault("imports", lines)
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

            return run_tests(sandbox, code, task.tests, entry_point=state.entry_point)
        if state.code_prompt and state.entry_point:  # doctests or "f(x) == y" examples; None without any
            from safegen.sandbox.tests import run_doctests

            return run_doctests(sandbox, code, task.requirement, state.entry_point)
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
        done[candidate.candidate_id] = state.update(candidate, **changes)
    return [done.get(c.candidate_id, state.get(c.candidate_id)) for c in candidates]


# --- fuzz ---------------------------------------------------------------------------------------
def fuzz(state: RunState, candidate: Candidate) -> Candidate:
    """Fuzz the entry point in the sandbox with LLM-proposed seeds (proposed once per run)."""
    sandbox, entry = state.ctx.sandbox, state.entry_point
    if sandbox is None or not entry or not candidate.code:
        return candidate
    if codecheck.signature(candidate.code, entry) is None:
        return candidate
    from safegen.fuzz import fuzz_function

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
        report = fuzz_function(sandbox, candidate.code, entry, seeds=tuple(state.seeds or ()),
                               iterations=s.fuzz_iterations, seconds=s.fuzz_seconds,
                               requirement=state.task.requirement, rng_seed=s.seed, cache_dir=s.cache_dir)
    except SafegenError as exc:
        state.note_error(f"fuzzing {candidate.candidate_id} failed: {exc}")
        return candidate
    return state.update(candidate, fuzz=report)


def _importable(state: RunState, code: str, entry: str) -> bool:
    """Whether the code imports in the sandbox: seeds are not worth an LLM call for code that cannot run."""
    try:
        return state.ctx.sandbox is not None and state.ctx.sandbox.import_error(code, entry) is None
    except SafegenError:
        return False


def defect_count(candidate: Candidate) -> int:
    return len(candidate.fuzz.defects) if candidate.fuzz else 0


# --- rank ---------------------------------------------------------------------------------------
UNANALYZED = (3, 0, 0)


def _key(candidate: Candidate) -> tuple[int, int, int]:
    return candidate.verdict.rank_key() if candidate.verdict else UNANALYZED


def selection_key(state: RunState, candidate: Candidate, *, use_score: bool = False) -> tuple[Any, ...]:
    """Smaller is better: entry point intact, then the verdict (status, severity mass, count: never worse),
    then visible tests, then (optionally) the learned score, then fuzz defects. Tests come before the score:
    among equally clean versions the one that works wins; the score only breaks the remaining ties."""
    signature_bad = 0 if state.signature_ok(candidate) else 1
    learned = candidate.score if use_score and candidate.score is not None else 0.0
    return (signature_bad, *_key(candidate), 1 if fails_tests(candidate) else 0, learned, defect_count(candidate))


def fails_tests(candidate: Candidate) -> bool:
    """The candidate's visible tests ran and did not all pass."""
    return candidate.tests is not None and not candidate.tests.passed


def securecoder_key(state: RunState, candidate: Candidate) -> tuple[Any, ...]:
    """SecureCoder's ranking of independent samples: verdict status, then learned score, then findings."""
    status, weight, count = _key(candidate)
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


# --- repair -------------------------------------------------------------------------------------
Judge = Callable[[RunState, Candidate, Candidate], "str | None"]


def tests_broken(parent: Candidate, child: Candidate) -> bool:
    """The child fails visible tests that the parent passed (or fails more of them)."""
    if child.tests is None or child.tests.passed:
        return False
    if parent.tests is None or parent.tests.passed:
        return True
    return child.tests.failed > parent.tests.failed


def judge_kept(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """Why a repair must be rejected for losing something, or None: signature kept, tests kept, verdict not worse."""
    if child.code.strip() == parent.code.strip():
        return "the code is unchanged"
    if not state.signature_ok(child) and state.signature_ok(parent):  # a parent already without it may stay so
        return f"entry point `{state.entry_point}` missing or its signature changed"
    if tests_broken(parent, child):
        failed = f" ({child.tests.failed} of {child.tests.total} failed)" if child.tests else ""
        return f"breaks the visible tests{failed}"
    if _key(child) > _key(parent):
        return f"more or worse findings than its parent ({_verdict_brief(child)} vs {_verdict_brief(parent)})"
    return None


def judge_static(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """A static repair must keep everything and strictly improve the verdict (fewer or milder findings)."""
    reason = judge_kept(state, parent, child)
    if reason is None and _key(child) == _key(parent):
        return f"findings not reduced ({_verdict_brief(child)})"
    return reason


def judge_fuzz(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """A fuzz repair must keep everything (verdict not worse) and leave fewer fuzz defects."""
    reason = judge_kept(state, parent, child)
    if reason:
        return reason
    if child.fuzz is None:
        return "could not be fuzzed"
    if defect_count(child) >= defect_count(parent):
        return f"fuzz defects not reduced ({defect_count(child)} >= {defect_count(parent)})"
    return fuzz_regression(state, parent, child)


MAX_REPLAYS = 5  # child defects replayed on the parent per fuzz repair
REPLAY_SECONDS = 5.0


def fuzz_regression(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """Why the child is worse where it matters: it raises on an input its parent handled, or None.

    Fewer distinct defects is not enough: a repair that breaks every call (a name left undefined) has
    one defect where its parent had two. Each exception the child shows is replayed on the parent.
    """
    sandbox = state.ctx.sandbox
    if sandbox is None or child.fuzz is None:
        return None
    from safegen.fuzz.triage import TRUNCATED

    replays = [d for d in child.fuzz.defects  # a cut input cannot be replayed as written
               if d.kind == "exception" and d.reproducer and TRUNCATED not in d.reproducer]
    for defect in replays[:MAX_REPLAYS]:
        try:
            result = sandbox.run_script(parent.code + "\n\n" + defect.reproducer, timeout=REPLAY_SECONDS)
        except SafegenError as exc:
            state.note_error(f"replaying a fuzz input on {parent.candidate_id} failed: {exc}")
            return "could not check the repair against its parent's behaviour"
        if result.ok:
            return f"raises {defect.exception_type or 'an exception'} on {defect.input[:120]}, which its parent handled"
        if result.status == "timeout":  # the parent does not run quickly as a script (a server, a slow input)
            break
    return None


def judge_tests(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """A tests repair must keep everything (verdict not worse) and fail fewer of the task's examples."""
    reason = judge_kept(state, parent, child)
    if reason:
        return reason
    if child.tests is None or parent.tests is None:
        return "the examples could not be run"
    if not child.tests.passed and child.tests.failed >= parent.tests.failed:
        return f"failing examples not reduced ({child.tests.failed} >= {parent.tests.failed})"
    return None


def _verdict_brief(candidate: Candidate) -> str:
    verdict = candidate.verdict
    if verdict is None:
        return "not analyzed"
    return f"{verdict.status.value}, {len(verdict.findings)} finding(s)"


def repair(state: RunState, parent: Candidate, base: Sequence[ChatMessage], feedback: str, *,
           kind: str, round: int, judge: Judge = judge_static, fuzzed: bool = False,
           scored: bool = False, retry: bool = False) -> tuple[Candidate | None, bool]:
    """Send ``feedback`` about ``parent``; check the answer; record the round. Returns (child, accepted).

    ``retry`` raises the temperature (with a fresh seed) so a repeated prompt gets a different answer.
    """
    messages = templates.repair_messages(base, parent.code, feedback)
    temperature = retry_temperature(state) if retry else None
    seed = state.settings.seed + 1000 + round if retry else None
    completion = ask(state, messages, purpose=f"repair-{kind}", temperature=temperature, seed=seed)[0]
    child_id = state.new_id()
    code, error = answer_code(state, child_id, completion.text, finish=completion.finish_reason)
    child = state.add(Candidate(candidate_id=child_id, code=code, origin=f"repair-{kind}",
                                round=round, parent=parent.candidate_id, error=error,
                                answer=None if code else completion.text[:KEPT_ANSWER]))
    reason: str | None
    if not code:
        state.rejected[child.candidate_id] = "no code in the answer"
        reason = f"no code in the answer: {error}"
    elif code.strip() == parent.code.strip():  # no need to analyze or run it again
        reason = "the code is unchanged"
        child = state.reject(child, reason)
    else:
        child = analyze(state, [child], scored=scored)[0]
        reason = judge_kept(state, parent, child)
        if reason is None and fuzzed:  # fuzzing is the costly check: only for otherwise acceptable code
            child = fuzz(state, child)
        reason = reason or judge(state, parent, child)
        if reason:
            child = state.reject(child, reason)
    accepted = reason is None
    state.rounds.append(_round(round, kind, feedback, parent, child, accepted, reason or ""))
    progress.note(f"{kind} repair round {round}: " + ("accepted" if accepted else f"rejected ({reason})"))
    return child, accepted


def _round(number: int, kind: str, prompt: str, parent: Candidate, child: Candidate,
           accepted: bool, reason: str) -> RepairRound:
    return RepairRound(round=number, kind=kind, prompt=prompt, input_candidate=parent.candidate_id,
                       output_candidate=child.candidate_id, accepted=accepted, reason=reason)


# --- loops composed from the stages -------------------------------------------------------------
def required_signature(state: RunState, candidate: Candidate) -> str | None:
    """The task's parameters when the candidate lost its entry point (for the repair prompt), else None."""
    if state.reference_signature is None or state.signature_ok(candidate):
        return None
    return state.reference_signature


def static_feedback(state: RunState, candidate: Candidate) -> str | None:
    """The static repair prompt for a candidate, None when there is nothing to act on."""
    verdict = candidate.verdict
    if verdict is None or verdict.is_secure or not verdict.findings:
        return None
    return templates.static_feedback(fb.describe_findings(verdict.findings, candidate.code), state.entry_point,
                                     required_signature(state, candidate))


def static_repair_loop(state: RunState, start: Candidate, base: Sequence[ChatMessage], *,
                       max_rounds: int, first_round: int = 1, scored: bool = False,
                       use_score: bool = False) -> Candidate:
    """Repair with static findings until secure or ``max_rounds``; each round repairs the best so far."""
    current = start
    retry = False
    for number in range(first_round, first_round + max_rounds):
        prompt = static_feedback(state, current)
        if prompt is None:
            break
        _, accepted = repair(state, current, base, prompt, kind="static", round=number,
                             scored=scored, retry=retry)
        retry = not accepted
        current = best_of_lineage(state, start, use_score=use_score)
    return current


def tests_feedback(state: RunState, candidate: Candidate) -> str | None:
    """The repair prompt for the task's failing examples (call, expected, actual), None when they pass."""
    outcome = candidate.tests
    if outcome is None or outcome.passed or outcome.total == 0 or not outcome.message:
        return None
    return templates.tests_feedback(outcome.message, state.entry_point, required_signature(state, candidate))


def fuzz_feedback(state: RunState, candidate: Candidate) -> str | None:
    """The repair prompt for triaged fuzz defects, None when there are none."""
    from safegen.fuzz.feedback import describe_defects

    if candidate.fuzz is None or not candidate.fuzz.defects:
        return None
    return templates.fuzz_feedback(describe_defects(candidate.fuzz), state.entry_point,
                                   required_signature(state, candidate))


def feedback_loop(state: RunState, start: Candidate, base: Sequence[ChatMessage], *, kind: str,
                  feedback: Callable[[RunState, Candidate], str | None], judge: Judge, max_rounds: int,
                  first_round: int = 1, fuzzed: bool = False, scored: bool = False) -> Candidate:
    """Send ``feedback`` about the current version up to ``max_rounds`` times; an accepted repair becomes
    the current version; a rejected one makes the next answer sampled."""
    current = start
    retry = False
    for number in range(first_round, first_round + max_rounds):
        prompt = feedback(state, current)
        if prompt is None:
            break
        child, accepted = repair(state, current, base, prompt, kind=kind, round=number, judge=judge,
                                 fuzzed=fuzzed, scored=scored, retry=retry)
        retry = not accepted
        if accepted and child is not None:
            current = state.get(child.candidate_id)
    return current


def tests_repair_loop(state: RunState, start: Candidate, base: Sequence[ChatMessage], *,
                      max_rounds: int, first_round: int = 1, scored: bool = False) -> Candidate:
    """Feed the task's failing examples back up to ``max_rounds`` times; keep the best."""
    return feedback_loop(state, start, base, kind="tests", feedback=tests_feedback, judge=judge_tests,
                         max_rounds=max_rounds, first_round=first_round, scored=scored)


def best_of_lineage(state: RunState, start: Candidate, *, use_score: bool = False) -> Candidate:
    """The best eligible candidate among ``start`` and the repairs derived from it."""
    family = {start.candidate_id}
    for candidate in state.candidates.values():
        if candidate.parent in family:
            family.add(candidate.candidate_id)
    ranked = rank(state, [state.get(i) for i in family], use_score=use_score)
    return ranked[0] if ranked else state.get(start.candidate_id)


def fuzz_repair_loop(state: RunState, start: Candidate, base: Sequence[ChatMessage], *,
                     max_rounds: int, first_round: int = 1) -> Candidate:
    """Fuzz the candidate; feed triaged defects back up to ``max_rounds`` times; keep the best."""
    return feedback_loop(state, fuzz(state, start), base, kind="fuzz", feedback=fuzz_feedback, judge=judge_fuzz,
                         max_rounds=max_rounds, first_round=first_round, fuzzed=True)
