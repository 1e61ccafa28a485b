"""Mechanical exploit fixes applied to a file's code (``safegen attack --fix/--diff``), each one verified.

A fix (attack/fixes.py) is kept only when, run again in the sandbox, the code has fewer confirmed exploits and
no new kind of exploit, and the probe's ordinary inputs get the answers they got before (attack/ordinary.py).
Exploits whose probe has no mechanical fix are left, with the probe's advice, for a person or the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safegen.attack.engine import MAX_PLANS, attack
from safegen.attack.fixes import EXPLOIT_FIXES, apply_exploit_fix
from safegen.attack.ordinary import behaviour, broken
from safegen.attack.report import AttackReport, Exploit
from safegen.backends.interface import LLMBackend
from safegen.sandbox import Sandbox


@dataclass(frozen=True)
class ExploitFixing:
    """The code after the kept fixes, what was fixed, what was left (and why), and the last attack's report."""

    code: str
    fixed: tuple[str, ...]  # "probe in function"
    left: tuple[str, ...]  # "probe in function: why"
    report: AttackReport

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def function_of(exploit: Exploit) -> str:
    """The function an exploit reached: a route's target reads "GET /path (handler)"."""
    return exploit.target.split(" (")[-1].rstrip(")") if " (" in exploit.target else exploit.target


def _count(report: AttackReport, probe: str) -> int:
    return sum(e.probe == probe for e in report.exploits)


def fix_exploits(code: str, requirement: str, report: AttackReport, *, sandbox: Sandbox, name: str | None = None,
                 probes: Sequence[str] = (), backend: LLMBackend | None = None,
                 max_plans: int = MAX_PLANS) -> ExploitFixing:
    """Apply the fix of each confirmed probe to the functions it reached, one probe after another, keeping a
    version only when it is verified; ``report`` is the attack of ``code`` with the same ``name``, ``probes``
    and ``backend`` (a fixed version is attacked as the original was, the model's inputs included)."""
    fixed: list[str] = []
    left: list[str] = []
    for probe in dict.fromkeys(e.probe for e in report.exploits):
        functions = tuple(dict.fromkeys(function_of(e) for e in report.exploits if e.probe == probe))
        where = f"{probe} in {', '.join(functions)}"
        candidate = code
        for function in functions:  # the file is the module: no setup before it
            candidate = apply_exploit_fix(probe, candidate, function, "", requirement) or candidate
        if candidate == code:
            left.append(f"{where}: {'the fix does not apply' if probe in EXPLOIT_FIXES else 'no mechanical fix'}")
            continue
        again = attack(candidate, requirement, sandbox=sandbox, backend=backend, name=name, probes=probes,
                       max_plans=max_plans)
        new_kinds = {e.probe for e in again.exploits} - {e.probe for e in report.exploits}
        why = ("the code no longer runs in the sandbox" if again.errors and not report.errors
               else "the fixed version was not re-attacked with fewer exploits"
               if _count(again, probe) >= _count(report, probe) or new_kinds
               else broken(sandbox, behaviour(sandbox, code, [probe], name, [e.input for e in report.exploits]),
                           candidate, [probe], name))
        if why:
            left.append(f"{where}: fix not kept: {why}")
            continue
        fixed.append(where)
        code, report = candidate, again
    return ExploitFixing(code=code, fixed=tuple(fixed), left=tuple(left), report=report)
