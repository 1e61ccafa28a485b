"""safegen: generate Python code with an LLM, then harden it with analysis, fuzzing and repair.

The Python API: ``safegen.generate(requirement)``, ``safegen.scan(code)``, ``safegen.fuzz(code, function)``
(see safegen.api), and ``safegen.Session`` to run many tasks with the same tools.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Session", "Settings", "Task", "fuzz", "generate", "scan"]

_LAZY = {"generate": "safegen.api", "scan": "safegen.api", "fuzz": "safegen.api", "Session": "safegen.session",
         "Settings": "safegen.config", "Task": "safegen.types"}


def __getattr__(name: str) -> Any:
    """Import the API on first use, so ``import safegen`` (and the CLI's start) stays fast."""
    if name not in _LAZY:
        raise AttributeError(f"module 'safegen' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
