"""One analyzer ensemble and one sandbox for the fix tests (both take a while to start)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safegen.analyzers.ensemble import Ensemble
from safegen.sandbox.core import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def ensemble() -> Iterator[Ensemble]:
    with Ensemble.default(warm=True) as analyzers:
        yield analyzers


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box
