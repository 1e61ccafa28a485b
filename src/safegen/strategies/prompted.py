"""prompted: one sample with a security-minded system prompt, no checks."""

from __future__ import annotations

from safegen.prompts import templates
from safegen.strategies.baseline import BaselineStrategy


class PromptedStrategy(BaselineStrategy):
    """The baseline with secure-coding rules in the system prompt."""

    name = "prompted"
    summary = "one sample from a security-minded system prompt, no checks"
    system = templates.SYSTEM_SECURE
