"""The attack stage: choose probes from the task and the code's sinks, run them in the sandbox, confirm by oracle.

``attack(code, task, sandbox=...)`` is what the repair loop and ``safegen attack`` call. Every payload
runs inside the sandbox as one job (the candidate imported once, one fork per payload), with the
harness from ``harness_core``/``harness_drive`` appended to the candidate's code.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from safegen import astutil
from safegen.attack.derive import DERIVERS
from safegen.attack.inputs import Plan, plans_for
from safegen.attack.oracles import ORACLES, PURPOSE_FREE, Observation
from safegen.attack.probes import PROBES, Probe
from safegen.attack.report import AttackReport, Exploit
from safegen.attack.targets import (
    FunctionTarget, Target, find_targets, own_words, purpose_words, sink_names, unattacked_methods)
from safegen.backends.interface import LLMBackend
from safegen.sandbox import ExecResult, Sandbox
from safegen.types import Task

TAG = "\x1esgx-attack:"  # the harness's JSON line on stdout (harness_core._SGX_TAG)
EXEC_TIMEOUT = 1.0  # seconds per payload; a payload that needs longer is a resource exhaustion or undecided
MAX_PLANS = 240  # executions per attack in the repair loop (a candidate's functions and routes together)
TOOL_MAX_PLANS = 2000  # for `safegen attack` and the MCP tool on a whole existing module
IMPORT_ERROR = "the code cannot be imported in the sandbox:"
WEB_FRAMEWORKS = ("flask", "fastapi", "django", "starlette")


@lru_cache(maxsize=1)
def harness_source() -> str:
    """The harness appended to every candidate (standard library only)."""
    folder = Path(__file__).parent
    return "\n\n".join((folder / name).read_text(encoding="utf-8") for name in ("harness_core.py", "harness_asgi.py", "harness_drive.py"))


def armed(code: str) -> str:
    """The candidate with the harness after it; the candidate's own lines keep their numbers."""
    return code.rstrip("\n") + "\n\n\n" + harness_source()


def _matches(sink: str, names: set[str]) -> bool:
    return sink in names or any(n.startswith(sink + ".") for n in names)


def select_probes(code: str, requirement: str = "", *, only: Sequence[str] = ()) -> list[Probe]:
    """Probes whose sinks the code uses or whose topics the requirement names (without a requirement: the
    code's own names and docstrings), and the web probes for code with routes (``only``: these ids)."""
    if only:
        wanted = set(only)
        return [p for p in PROBES if p.id in wanted]
    tree = astutil.parse(code)
    names = sink_names(tree) if tree is not None else set()
    web = any(_matches(framework, names) for framework in WEB_FRAMEWORKS)
    if not requirement.strip() and tree is not None:
        requirement = own_words(tree)
    text = _topic_text(requirement)
    return [p for p in PROBES if (any(_matches(s, names) for s in p.sinks) or any(_names(t, text) for t in p.topics)
                                  or (web and p.web)) and (not p.requires or re.search(p.requires, text))]


def _with_derived(probe: Probe, code: str) -> Probe:
    """The probe with the payloads its deriver builds from ``code`` after its own (attack/derive.py)."""
    if not probe.derive:
        return probe
    extra = tuple(p for p in DERIVERS[probe.derive](code) if p not in probe.payloads)
    return dataclasses.replace(probe, payloads=probe.payloads + extra) if extra else probe


def _within(groups: list[list[Plan]], limit: int) -> list[Plan]:
    """At most ``limit`` plans, in the groups' order; over the limit each group (a probe on a target) keeps its
    first payloads, as many as a fair share allows, rather than the last probes losing every payload."""
    if sum(len(g) for g in groups) <= limit:
        return [plan for group in groups for plan in group]
    keep, depth = 0, 0
    while keep < limit:
        row = sum(1 for g in groups if depth < len(g))
        if row == 0:
            break
        keep, depth = keep + row, depth + 1
    cut = depth - 1 if keep > limit else depth  # the deepest row that fits whole
    kept = [group[:cut] for group in groups]
    room = limit - sum(len(g) for g in kept)
    for group, short in zip(groups, kept):  # the next row's payloads, in order, while room is left
        if room > 0 and len(group) > cut:
            short.append(group[cut])
            room -= 1
    return [plan for group in kept for plan in group]


def _with_purpose(plans: list[Plan], code: str) -> list[Plan]:
    """Without a requirement, whether each target's own name or docstring names its probe's topic."""
    tree = astutil.parse(code)
    if tree is None:
        return plans
    words = {target: _topic_text(purpose_words(tree, target)) for target in {plan.target for plan in plans}}
    return [dataclasses.replace(plan, purpose_named=_purpose_named(plan.probe, words[plan.target])) for plan in plans]


def _purpose_named(probe: Probe, text: str) -> bool:
    return any(_names(t, text) for t in probe.topics) and (not probe.requires or re.search(probe.requires, text) is not None)


def _topic_text(text: str) -> str:
    """Text as topics are looked up in it: lower case, snake_case names as words (redirect_url: "redirect url")."""
    return text.lower().replace("_", " ")


def _names(topic: str, text: str) -> bool:
    """Whether the requirement names the topic as a word (with a plural or verb ending): "tar" is not in "start"."""
    return re.search(rf"\b{re.escape(topic)}(?:s|es|d|ed|ing)?\b", text) is not None


def parse_observation(raw: dict[str, Any]) -> Observation:
    """The sandbox's result and the harness's JSON line (absent when the execution died or hung)."""
    result = ExecResult.from_worker(raw)
    data: dict[str, Any] = {}
    for line in result.stdout.split("\n"):  # not splitlines(): it splits at the tag's \x1e
        if line.startswith(TAG):
            try:
                value = json.loads(line[len(TAG):])
            except ValueError:
                continue
            if isinstance(value, dict):
                data = value
    return Observation(result, data)


def _line(location: str, target: Target) -> int:
    if location.startswith("target.py:"):
        try:
            return int(location.split(":", 1)[1])
        except ValueError:
            pass
    return target.line


def _payload_texts(plan: Plan) -> tuple[str, ...]:
    texts: list[str] = [str(plan.payload)]
    for value in list(plan.spec.get("args", ())) + list((plan.spec.get("kwargs") or {}).values()):
        if isinstance(value, str) and value not in texts:
            texts.append(value)
    return tuple(texts)


def judge(plan: Plan, observation: Observation) -> Exploit | None:
    """The exploit the probe's oracle confirms in this execution, if any."""
    oracle = plan.probe.oracle if plan.purpose_named else PURPOSE_FREE.get(plan.probe.oracle, plan.probe.oracle)
    evidence = ORACLES[oracle](observation, _payload_texts(plan))
    if evidence is None:
        return None
    location = evidence.location or f"target.py:{plan.target.line}"
    return Exploit(probe=plan.probe.id, cwe=plan.probe.cwe, title=plan.probe.title, target=plan.target.label,
                   input=plan.shown, evidence=evidence.detail, location=location,
                   line=_line(location, plan.target), source=plan.source)


def _undecided(plan: Plan, observation: Observation) -> str | None:
    """Why this execution decides nothing (fail closed), or None when the oracle could judge it."""
    result = observation.result
    if observation.data:
        return None
    if plan.probe.oracle == "resource" and result.status in ("timeout", "memory"):
        return None
    what = f"{plan.probe.id} on {plan.target.label}"
    if result.status == "skipped":
        return f"{what}: not run within the time budget"
    if result.status == "timeout":
        return f"{what}: no result within {EXEC_TIMEOUT:g} s for {plan.shown[:120]}"
    return f"{what}: {result.status}: {(result.message or 'no harness output')[:200]}"


def run_plans(sandbox: Sandbox, code: str, plans: Sequence[Plan], *, timeout: float = EXEC_TIMEOUT,
              budget: float | None = None) -> tuple[list[Exploit], list[str], int]:
    """Run every plan as one sandbox job; (exploits, errors, executions)."""
    if not plans:
        return [], [], 0
    items: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((plan.spec,), {}) for plan in plans]
    raw = sandbox.run_job("call", armed(code), items, timeout=timeout, entry="_sgx_attack", budget=budget)
    exploits: list[Exploit] = []
    errors: list[str] = []
    executions = 0
    for plan, item in zip(plans, raw):
        observation = parse_observation(item)
        if observation.result.status != "skipped":
            executions += 1
        message = observation.result.message
        if message.startswith("importing the code failed") or "being imported" in message:
            return exploits, [f"{IMPORT_ERROR} {message.removeprefix('importing the code failed: ')[:300]}"], executions
        exploit = judge(plan, observation)
        if exploit is not None:
            exploits.append(exploit)
            continue
        problem = _undecided(plan, observation)
        if problem is not None and len(errors) < 20:
            errors.append(problem)
    return exploits, errors, executions


def _unique(exploits: Sequence[Exploit]) -> list[Exploit]:
    """The first exploit of each probe on each target."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for exploit in exploits:
        key = (exploit.probe, exploit.target)
        if key not in seen:
            seen.add(key)
            kept.append(exploit)
    return kept


def attack(code: str, task: Task | str | None = None, *, sandbox: Sandbox, backend: LLMBackend | None = None,
           name: str | None = None, probes: Sequence[str] = (), timeout: float = EXEC_TIMEOUT,
           budget: float | None = None, max_plans: int = MAX_PLANS, callers: bool = True) -> AttackReport:
    """Attack ``code`` (its functions and web routes, or only ``name``) with the probes its task and sinks select.

    Generic payloads run first; with a ``backend`` the model then proposes task-specific inputs, each
    counted only when an oracle confirms it. An exploit carries its reproducer (input, evidence, line). With
    ``callers`` and a requirement, functions that refuse the callers it allows are named in the notes (the loop,
    which keeps no notes and runs that check itself under its flag, passes False).
    A report with ``errors`` has undecided probes and never means "survived".
    """
    started = time.monotonic()
    requirement = task.requirement if isinstance(task, Task) else (task or "")
    if name is None and isinstance(task, Task) and task.entry_point and not find_targets(code):
        name = task.entry_point
    targets = find_targets(code, name)
    if not targets:
        try:
            compile(code, "target.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            reason = f"line {exc.lineno}: {exc.msg}" if isinstance(exc, SyntaxError) else str(exc)
            return AttackReport(errors=(f"nothing to attack: the code does not parse ({reason})",),
                                seconds=round(time.monotonic() - started, 3))
        what = f"no function or route named {name!r}" if name else "no public function or web route"
        return AttackReport(errors=(f"nothing to attack: the code defines {what}",),
                            seconds=round(time.monotonic() - started, 3))
    chosen = [_with_derived(probe, code) for probe in select_probes(code, requirement, only=probes)]
    planned = [plans_for(probe, target) for probe in chosen for target in targets]
    plans = _within(planned, max_plans)
    if not requirement.strip():
        plans = _with_purpose(plans, code)
    exploits, errors, executions = run_plans(sandbox, code, plans, timeout=timeout, budget=budget)
    total = sum(len(group) for group in planned)
    if total > len(plans):  # what was not run decides nothing: never a pass
        errors.append(f"{total - len(plans)} of {total} planned executions not run (the limit is {max_plans}): "
                      "attack fewer functions at a time (FILE::NAME)")
    agent_inputs = 0
    methods = unattacked_methods(code) if name is None else []
    notes = [f"not attacked: {len(methods)} method(s) of classes ({', '.join(methods[:5])}"
             f"{', ...' if len(methods) > 5 else ''}); probes call functions and routes"] if methods else []
    if callers and requirement.strip() and not any(e.startswith(IMPORT_ERROR) for e in errors):
        from safegen.attack.legitimate_check import notes as legitimate_notes

        functions = [t.name for t in targets if isinstance(t, FunctionTarget)]
        notes += legitimate_notes(sandbox, code, requirement, functions)
    if backend is not None and chosen and not any(e.startswith(IMPORT_ERROR) for e in errors):
        from safegen.attack.agent import agent_plans

        confirmed = {(e.probe, e.target) for e in exploits}
        extra, agent_notes, agent_errors = agent_plans(backend, code, requirement, targets, chosen, confirmed)
        notes += agent_notes
        more, more_errors, more_runs = run_plans(sandbox, code, extra, timeout=timeout, budget=budget)
        exploits += more
        errors += agent_errors + more_errors
        executions += more_runs
        agent_inputs = len(extra)
    return AttackReport(exploits=tuple(_unique(exploits)), probes=tuple(p.id for p in chosen),
                        targets=tuple(t.label for t in targets), executions=executions,
                        seconds=round(time.monotonic() - started, 3), errors=tuple(errors), agent_inputs=agent_inputs,
                        notes=tuple(notes))
