"""The attack stage: probes with oracles run in the sandbox, and an attacker agent; see ``attack()``."""

from safegen.attack.engine import attack, select_probes
from safegen.attack.probes import PROBES, Probe
from safegen.attack.report import AttackReport, Exploit

__all__ = ["attack", "select_probes", "AttackReport", "Exploit", "PROBES", "Probe"]
