"""Legitimate callers refused, run: each legitimate call (attack/legitimate.py) and its twin in the sandbox.

A legitimate call counts as refused only when it is denied (False, None, an empty or denying answer,
PermissionError) *and* gets exactly its twin's answer, so code that tells the two apart is never flagged; where the
answer is known (arithmetic) anything else fails; a call that dies or hangs shows nothing working. A twin that gets
in (returns, and is not denied) is evidence too: the code does not keep out who has no right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safegen.attack.engine import armed, parse_observation
from safegen.attack.legitimate import GRANTS, LegitimateCall, legitimate_calls
from safegen.attack.oracles import denied
from safegen.sandbox import Sandbox

EXEC_TIMEOUT = 2.0
DIED = "does not return (the module fails to import, or the call dies or hangs)"


@dataclass(frozen=True)
class Refusal:
    """A legitimate call that got the outsider's answer."""

    call: LegitimateCall
    outcome: str  # "returned False", "raised PermissionError: ..."

    def describe(self) -> str:
        reason = next(g.reason for g in GRANTS if g.id == self.call.grant)
        if self.call.outsider_spec is None:
            return f"`{self.call.shown}` {self.outcome}. It must give {self.call.why}, as {reason}."
        return (f"`{self.call.shown}` {self.outcome}, the same as `{self.call.outsider_shown}`. It must succeed: "
                f"{self.call.why}, and {reason}.")


Outcome = tuple[str, bool, str]  # what the call gave as shown, whether that is a denial, the returned text


def _outcome(raw: dict[str, Any]) -> Outcome | None:
    """What the call gave, and whether that is a denial; None when it died or hung (nothing to compare)."""
    observation = parse_observation(raw)
    if not observation.data:
        return None
    if observation.error:
        kind = observation.error.split(":", 1)[0]
        return f"raises {observation.error[:160]}", kind == "PermissionError", ""
    return f"returns {observation.text[:160] or 'None'}", denied(observation), observation.text


@dataclass(frozen=True)
class Checked:
    """A legitimate call and its outsider twin, run: what each gave and whether that was a denial (None: the call
    died or hung)."""

    call: LegitimateCall
    legitimate: Outcome | None
    outsider: Outcome | None

    @property
    def refusal(self) -> Refusal | None:
        """The legitimate caller denied exactly as the outsider is, or None."""
        mine, theirs = self.legitimate, self.outsider
        if self.call.expected and mine is not None:  # the answer is known: an error, a refusal or another value fails
            return None if re.match(self.call.expected, mine[2].strip()) else Refusal(self.call, mine[0])
        if mine is None:  # the module does not import, or the call hangs: it cannot be shown to work
            return Refusal(self.call, DIED) if self.call.expected or theirs is None else None
        if theirs is not None and mine[1] and mine[0] == theirs[0]:
            return Refusal(self.call, mine[0])
        return None

    @property
    def outsider_admitted(self) -> str | None:
        """The outsider's call and answer when it was not denied (code that lets anyone in), or None."""
        theirs = self.outsider
        if self.call.outsider_spec is None or theirs is None or not theirs[0].startswith("returns "):
            return None  # an error is no admission
        return None if theirs[1] else f"`{self.call.outsider_shown}` {theirs[0]}"


def check(sandbox: Sandbox, code: str, requirement: str, name: str) -> tuple[Checked, ...]:
    """Run each legitimate call of ``code`` (the whole module) and its outsider twin in the sandbox."""
    calls = legitimate_calls(code, requirement, name)
    if not calls:
        return ()
    items: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for call in calls:
        items += [((call.spec,), {}), ((call.outsider_spec or call.spec,), {})]
    raw = sandbox.run_job("call", armed(code), items, timeout=EXEC_TIMEOUT, entry="_sgx_attack")
    return tuple(Checked(call, _outcome(raw[2 * n]), _outcome(raw[2 * n + 1])) for n, call in enumerate(calls))


def mistaken(checked: Sequence[Checked]) -> bool:
    """The code does not tell the legitimate caller from the outsider: it refuses one such call or lets a twin in."""
    return any(c.refusal is not None or c.outsider_admitted is not None for c in checked)


def refusals(sandbox: Sandbox, code: str, requirement: str, name: str) -> tuple[Refusal, ...]:
    """The legitimate calls of ``code`` (the whole module) that are denied exactly as an outsider is."""
    return tuple(r for c in check(sandbox, code, requirement, name) if (r := c.refusal) is not None)


def notes(sandbox: Sandbox, code: str, requirement: str, names: Sequence[str]) -> list[str]:
    """The refused legitimate calls of the named functions, as notes of an attack report (no exploit: a function
    that turns away the callers its task allows fails its job, not its security); a failed check is a note too."""
    found: list[str] = []
    for name in names:
        try:
            found += [f"refuses a legitimate caller: {r.describe()}"
                      for r in refusals(sandbox, code, requirement, name)]
        except Exception as exc:  # noqa: BLE001 - it decides no exploit; say that it did not run
            found.append(f"the legitimate-caller check of {name} failed: {type(exc).__name__}: {exc}")
    return found


__all__ = ["Checked", "Refusal", "check", "notes", "refusals"]
