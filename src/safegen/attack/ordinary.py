"""Ordinary input next to the attack: what a version does with the benign inputs of the probes that confirmed an
exploit, so that a repair can be held to it ("fix the exploit without changing what it does for ordinary input").

Each probe names its benign inputs (``Probe.benign``); they go where its payloads went: into the parameters
whose payload an oracle confirmed, when the confirmed inputs are given (else into each parameter that can carry
one; the other parameters hold what they held in the attack). Only a call that
returned normally, twice with the same result, is kept (a timestamp or a random token would make any repair
look broken). A repair that raises or answers differently on one of them broke the function.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from safegen.attack.engine import armed, parse_observation
from safegen.attack.inputs import Plan, plans_for
from safegen.attack.probes import BY_ID
from safegen.attack.targets import find_targets
from safegen.sandbox import Sandbox
from safegen.sandbox.launcher import SANDBOX_ROOT

EXEC_TIMEOUT = 2.0
MAX_CALLS = 12
# each sandbox job runs in a folder of its own: a path under it is shown relative to it, as from its cwd
JOB_FOLDER = re.compile(re.escape(SANDBOX_ROOT) + r"/job\d+/")

Behaviour = tuple[tuple[str, str], ...]  # (the call as shown, what it gave: "returns ..." or "raises ...")


def _plans(code: str, probe_ids: Sequence[str], name: str | None, exploited: Sequence[str] = ()) -> list[Plan]:
    plans: list[Plan] = []
    for probe_id in dict.fromkeys(probe_ids):
        probe = BY_ID.get(probe_id)
        if probe is None or not probe.benign:
            continue
        benign = dataclasses.replace(probe, payloads=probe.benign, choice=str(probe.benign[0]) if probe.choice else "")
        for target in find_targets(code, name):
            where = {p.position for p in plans_for(probe, target) if p.shown in exploited} - {None}
            plans += [p for p in plans_for(benign, target) if not where or p.position in where]
    return plans[:MAX_CALLS]


def _outcomes(sandbox: Sandbox, code: str, plans: Sequence[Plan], repeat: int) -> list[str | None]:
    """Per plan, what the call gave (None: it did not return normally, or not the same way each time)."""
    items: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((plan.spec,), {}) for plan in plans for _ in range(repeat)]
    raw = sandbox.run_job("call", armed(code), items, timeout=EXEC_TIMEOUT, entry="_sgx_attack")
    seen = []
    for item in raw:
        observation = parse_observation(item)
        if not observation.data:
            seen.append("fails: " + (observation.result.status or "no result"))
        elif observation.error:
            seen.append("raises " + observation.error.split(":", 1)[0])
        else:
            seen.append("returns " + repr(JOB_FOLDER.sub("", observation.text)[:200]))
    grouped = [seen[i:i + repeat] for i in range(0, len(seen), repeat)]
    return [group[0] if len(set(group)) == 1 else None for group in grouped]


def behaviour(sandbox: Sandbox, code: str, probe_ids: Sequence[str], name: str | None = None,
              exploited: Sequence[str] = ()) -> Behaviour:
    """What ``code`` does with the benign inputs of these probes (where the ``exploited`` inputs, the confirmed
    attacks' calls, carried the payload): the calls that return, the same twice."""
    plans = _plans(code, probe_ids, name, exploited)
    if not plans:
        return ()
    outcomes = _outcomes(sandbox, code, plans, repeat=2)
    return tuple((plan.shown, outcome) for plan, outcome in zip(plans, outcomes)
                 if outcome is not None and outcome.startswith("returns "))


def broken(sandbox: Sandbox, before: Behaviour, code: str, probe_ids: Sequence[str],
           name: str | None = None) -> str | None:
    """How ``code`` breaks an ordinary call its parent answered (``before``), or None when it keeps them all."""
    if not before:
        return None
    plans = {plan.shown: plan for plan in _plans(code, probe_ids, name)}
    kept = [(shown, outcome) for shown, outcome in before if shown in plans]
    if not kept:
        return None
    now = _outcomes(sandbox, code, [plans[shown] for shown, _ in kept], repeat=1)
    for (shown, outcome), new in zip(kept, now):
        if new != outcome:
            return f"the ordinary call {shown[:200]} {outcome[:150]} before, now {(new or 'differs')[:150]}"
    return None
