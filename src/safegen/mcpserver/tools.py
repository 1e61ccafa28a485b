"""The MCP tools as plain functions over shared tools: scan, harden, fuzz and attack code, results with CWE,
line and fix.

Results are pydantic models so the MCP SDK sends them as structured content with an output schema.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from safegen.config import Settings
from safegen.errors import InputError, SafegenError
from safegen.serve.harden import Hardener
from safegen.serve.report import FindingNote, notes
from safegen.types import Defect, FuzzReport

if TYPE_CHECKING:
    from safegen.attack import AttackReport, Exploit

MAX_CODE = 200_000
# CWE of each fuzzing defect kind (the sandbox's oracles and the crash triage of safegen.fuzz).
DEFECT_CWE: dict[str, int] = {"exception": 248, "hang": 400, "memory": 770, "crash": 248, "write_outside": 22,
                              "read_outside": 22, "network": 918, "shell": 78}


class FindingOut(BaseModel):
    """One static finding."""

    rule_id: str
    tool: str
    cwe: int | None = Field(description="MITRE CWE id")
    cwe_name: str
    line: int = Field(description="1-based line in the code given")
    severity: str
    message: str
    fix: str = Field(description="how to fix it")

    @classmethod
    def of(cls, note: FindingNote) -> FindingOut:
        return cls(**note.to_dict())


class ScanResult(BaseModel):
    """The analyzer ensemble's verdict: secure, vulnerable, or unknown (an analyzer failed: not secure)."""

    status: str
    findings: list[FindingOut]
    errors: list[str] = Field(default_factory=list)


class HardenResult(BaseModel):
    """The code after hardening (the input itself when it was clean or could not be improved)."""

    code: str
    changed: bool
    status_before: str
    status_after: str
    findings_before: list[FindingOut]
    findings_after: list[FindingOut]
    strategy: str
    llm_calls: int
    error: str = ""


class DefectOut(BaseModel):
    """One fuzzing defect with the input that shows it."""

    kind: str
    cwe: int | None
    line: int | None
    message: str
    input: str
    fix: str
    count: int


class FuzzResult(BaseModel):
    """What fuzzing one function in the sandbox found."""

    target: str
    executions: int
    seconds: float
    defects: list[DefectOut]
    errors: list[str] = Field(default_factory=list)


class ExploitOut(BaseModel):
    """One exploit the attack stage confirmed, with the input and the evidence that reproduce it."""

    probe: str = Field(description="the probe's id, e.g. 'sql-injection'")
    cwe: int = Field(description="MITRE CWE id")
    title: str
    target: str = Field(description="the function, or the route as 'METHOD /path (handler)'")
    line: int = Field(description="1-based line in the code given where the oracle saw the effect")
    input: str = Field(description="the call or request that exploits it")
    evidence: str = Field(description="what the oracle observed")
    reproducer: str
    fix: str = Field(description="how to fix it")
    source: str = Field(description="'generic' payloads or the attacker 'agent'")


class AttackResult(BaseModel):
    """What the exploit probes confirmed. survived: nothing confirmed and every probe decided (errors mean it
    is not known to be safe)."""

    survived: bool
    exploits: list[ExploitOut]
    targets: list[str]
    probes: list[str]
    executions: int
    seconds: float
    errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what was left alone without failing the attack (class methods)
    fixed_code: str | None = None  # with fix: the code after the verified exploit fixes (None: none was kept)
    fixed: list[str] = Field(default_factory=list)  # with fix: "probe in function" for each kept fix
    left: list[str] = Field(default_factory=list)  # with fix: exploits no fix removed, and why


def _check_code(code: str) -> None:
    if not code.strip():
        raise InputError("the code is empty")
    if len(code) > MAX_CODE:
        raise InputError(f"the code is longer than {MAX_CODE} characters")


def _line(location: str) -> int | None:
    _, _, number = location.rpartition(":")
    return int(number) if number.isdigit() else None


def defect_out(defect: Defect) -> DefectOut:
    from safegen.fuzz.feedback import (
        _FIX,  # the fixes the repair prompts give, one table
    )

    return DefectOut(kind=defect.kind, cwe=DEFECT_CWE.get(defect.kind), line=_line(defect.location),
                     message=defect.message[:500], input=defect.input[:1000], fix=_FIX.get(defect.kind, ""),
                     count=defect.count)


def exploit_out(exploit: Exploit) -> ExploitOut:
    """The exploit as a client sees it: located in "code.py" (the code given), with the probe's fix."""
    from safegen.analyzers.cwe import describe
    from safegen.attack.probes import BY_ID

    probe = BY_ID.get(exploit.probe)
    fix = probe.fix if probe is not None and probe.fix else " ".join(describe(exploit.cwe).mitigation.split())
    exploit = replace(exploit, location=exploit.location.replace("target.py:", "code.py:"))
    return ExploitOut(probe=exploit.probe, cwe=exploit.cwe, title=exploit.title, target=exploit.target,
                      line=exploit.line, input=exploit.input[:1000], evidence=exploit.evidence[:500],
                      reproducer=exploit.reproducer[:2000], fix=fix, source=exploit.source)


def attack_out(report: AttackReport) -> AttackResult:
    return AttackResult(survived=report.survived, exploits=[exploit_out(e) for e in report.exploits],
                        targets=list(report.targets), probes=list(report.probes), executions=report.executions,
                        seconds=report.seconds, errors=list(report.errors), notes=list(report.notes))


class ToolBox:
    """Tools shared by every call: the hardener (analyzers, sandbox) and the model, created on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.hardener = Hardener(settings)
        self._backend: Any = None
        self._lock = threading.Lock()

    def backend(self) -> Any:
        with self._lock:
            if self._backend is None:
                from safegen.backends import create_backend

                self._backend = create_backend(self.settings)
            return self._backend

    def scan_code(self, code: str, path: str = "code.py") -> ScanResult:
        _check_code(code)
        verdict = self.hardener.analyzer.check(code, path=path or "code.py")
        return ScanResult(status=verdict.status.value, findings=[FindingOut.of(n) for n in notes(verdict)],
                          errors=[f"{e.tool}: {e.message}" for e in verdict.errors])

    def harden_code(self, code: str, requirement: str = "") -> HardenResult:
        _check_code(code)
        new, report = self.hardener.harden_code(code, requirement, self.backend())
        return HardenResult(code=new if new is not None else code, changed=report.changed,
                            status_before=report.status_before, status_after=report.status_after,
                            findings_before=[FindingOut.of(n) for n in report.findings_before],
                            findings_after=[FindingOut.of(n) for n in report.findings_after],
                            strategy=self.settings.strategy, llm_calls=report.llm_calls, error=report.error)

    def fuzz_function(self, code: str, function: str, seconds: float | None = None) -> FuzzResult:
        from safegen.fuzz import fuzz_function
        from safegen.sandbox import Sandbox

        _check_code(code)
        if not function.isidentifier():
            raise InputError(f"{function!r} is not a function name")
        s = self.settings
        sandbox = Sandbox.create(s)
        try:
            report: FuzzReport = fuzz_function(sandbox, code, function, iterations=s.fuzz_iterations,
                                               seconds=min(seconds, 300.0) if seconds else s.fuzz_seconds,
                                               rng_seed=s.seed, cache_dir=s.cache_dir)
        finally:
            sandbox.close()
        return FuzzResult(target=report.target, executions=report.executions, seconds=report.seconds,
                          defects=[defect_out(d) for d in report.defects], errors=list(report.errors))

    def attack_function(self, code: str, function: str | None = None, requirement: str = "",
                        fix: bool = False) -> AttackResult:
        from safegen.attack import attack
        from safegen.attack.engine import TOOL_MAX_PLANS
        from safegen.attack.fixing import fix_exploits
        from safegen.sandbox import Sandbox

        _check_code(code)
        if function and not function.isidentifier():
            raise InputError(f"{function!r} is not a function name")
        sandbox = Sandbox.create(self.settings)
        try:
            report = attack(code, requirement, sandbox=sandbox, name=function or None, max_plans=TOOL_MAX_PLANS)
            if not fix or not report.exploits:
                return attack_out(report)
            outcome = fix_exploits(code, requirement, report, sandbox=sandbox, name=function or None,
                                   max_plans=TOOL_MAX_PLANS)
        finally:
            sandbox.close()
        result = attack_out(outcome.report)
        return result.model_copy(update={"fixed_code": outcome.code if outcome.changed else None,
                                         "fixed": list(outcome.fixed), "left": list(outcome.left)})

    def close(self) -> None:
        try:
            self.hardener.close()
        except SafegenError:
            pass
