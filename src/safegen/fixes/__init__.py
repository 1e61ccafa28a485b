"""Rule fixes that do not need the model: declared beside the rules, verified by analysis and execution.

The repair loop calls :func:`apply_rule_fixes`; ``safegen scan --fix`` uses :mod:`safegen.fixes.files`.
"""

from safegen.fixes.engine import apply_rule_fixes
from safegen.fixes.interface import AppliedFix, FixOutcome, FixSpec, RejectedFix
from safegen.fixes.registry import default_fixes, load_fixes

__all__ = ["AppliedFix", "FixOutcome", "FixSpec", "RejectedFix", "apply_rule_fixes", "default_fixes", "load_fixes"]
