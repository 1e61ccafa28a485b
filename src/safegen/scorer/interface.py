"""The learned scorer as an extension point: what ranking asks of one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol


class ScorerLike(Protocol):
    """A vulnerability scorer (``safegen.scorer.VulnerabilityScorer`` or a test double)."""

    def score(self, code: str) -> float:
        """How likely ``code`` is vulnerable: 0 (safe) to 1 (vulnerable)."""


if TYPE_CHECKING:  # mypy checks that the real scorer keeps fitting the protocol
    from safegen.scorer.model import VulnerabilityScorer

    def _fits(scorer: VulnerabilityScorer) -> ScorerLike:
        return scorer
