"""Fixtures shared across test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from safegen.backends.models import resolve_model
from safegen.errors import ModelError


@pytest.fixture(scope="session")
def small_model_path() -> Path:
    """The GGUF file of the small test model (Qwen2.5-Coder-0.5B); missing is a failure, not a skip."""
    try:
        return resolve_model("qwen2.5-coder-0.5b", None)
    except ModelError as exc:
        pytest.fail(f"the small model is not installed: {exc}")
