"""The learned token-level vulnerability scorer (SecureCoder's second ranking signal).

PyTorch is an optional extra (``pip install safegen[scorer]``): without it, or without shipped
weights, :func:`load_default_scorer` returns None and strategies rank by verdicts alone.
The tokenizer, pair sources and synthetic pair generator work without torch.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safegen.errors import ModelError
from safegen.progress import note
from safegen.scorer.interface import ScorerLike
from safegen.scorer.pairs import Pair, pairs_from_runs

if TYPE_CHECKING:
    from safegen.scorer.model import VulnerabilityScorer
    from safegen.scorer.training import bootstrap

__all__ = ["DEFAULT_WEIGHTS", "Pair", "ScorerLike", "VulnerabilityScorer", "bootstrap", "load_default_scorer",
           "pairs_from_runs", "torch_available"]

DEFAULT_WEIGHTS = Path(__file__).parent / "data" / "default.pt"
ENV_PATH = "SAFEGEN_SCORER"  # path to other weights (a bootstrapped model), or "off"


def torch_available() -> bool:
    """True when PyTorch can be imported."""
    return importlib.util.find_spec("torch") is not None


def load_default_scorer(path: str | os.PathLike[str] | None = None) -> VulnerabilityScorer | None:
    """The shipped scorer (or the one at ``path`` / $SAFEGEN_SCORER); None without torch or weights.

    Unreadable weights are reported on stderr and also give None: a broken scorer must not
    stop a run, and ranking then falls back to the verdicts alone.
    """
    chosen = path if path is not None else os.environ.get(ENV_PATH) or DEFAULT_WEIGHTS
    if str(chosen).lower() == "off" or not torch_available():
        return None
    target = Path(chosen)
    if not target.is_file():
        if path is not None or os.environ.get(ENV_PATH):
            note(f"learned scorer disabled: no weights at {target}")
        return None
    from safegen.scorer.model import VulnerabilityScorer

    try:
        return VulnerabilityScorer.load(target)
    except ModelError as exc:
        note(f"learned scorer disabled: {exc}")
        return None


def __getattr__(name: str) -> Any:
    """Import the torch-backed parts only when asked for."""
    if name == "VulnerabilityScorer":
        from safegen.scorer.model import VulnerabilityScorer

        return VulnerabilityScorer
    if name == "bootstrap":
        from safegen.scorer.training import bootstrap

        return bootstrap
    raise AttributeError(f"module 'safegen.scorer' has no attribute {name!r}")
