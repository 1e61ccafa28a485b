"""What an attack found: confirmed exploits with their reproducers, and what could not be decided."""

from __future__ import annotations

from dataclasses import dataclass

from safegen.serde import Record


@dataclass(frozen=True)
class Exploit(Record):
    """An attack an oracle confirmed: the input, the oracle's evidence, and the candidate's line."""

    probe: str
    cwe: int
    title: str
    target: str  # a function name, or "GET /path (handler)"
    input: str  # the call or the request
    evidence: str
    location: str = ""  # "target.py:N" inside the sandbox; callers may rename the file
    line: int = 0
    source: str = "generic"  # "generic" payloads or the "agent"'s proposals

    @property
    def reproducer(self) -> str:
        """Text a user can follow to see the exploit again."""
        where = f" at {self.location}" if self.location else ""
        return (f"# safegen attack: {self.probe} (CWE-{self.cwe}){where}: {self.evidence[:200]}\n"
                f"{self.input}\n")


@dataclass(frozen=True)
class AttackReport(Record):
    """The attack stage's result for one candidate. ``errors`` never count as "no exploit" (fail closed)."""

    exploits: tuple[Exploit, ...] = ()
    probes: tuple[str, ...] = ()  # the probe ids that ran
    targets: tuple[str, ...] = ()
    executions: int = 0
    seconds: float = 0.0
    errors: tuple[str, ...] = ()
    agent_inputs: int = 0  # inputs the model proposed that ran
    notes: tuple[str, ...] = ()  # what did not stop the stage (the model gave no usable input)

    @property
    def confirmed(self) -> bool:
        return bool(self.exploits)

    @property
    def survived(self) -> bool:
        """No exploit confirmed and every probe ran to a decision."""
        return not self.exploits and not self.errors
