"""Fixtures: the real analyzer ensemble and sandbox, and contexts around a scripted model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from strategy_helpers import SETTINGS, Script

from safegen.backends.fake import FakeBackend
from safegen.config import Settings
from safegen.strategies.interface import StrategyContext


@pytest.fixture(scope="session")
def ensemble():  # type: ignore[no-untyped-def]
    from safegen.analyzers.ensemble import Ensemble

    return Ensemble.default(SETTINGS)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    from safegen.sandbox import Sandbox

    with Sandbox.create(SETTINGS) as box:
        yield box


@pytest.fixture()
def make_ctx(ensemble, sandbox):  # type: ignore[no-untyped-def]
    """Build a StrategyContext around a Script, with the real ensemble and sandbox."""

    def build(script: Script, settings: Settings = SETTINGS, *, with_sandbox: bool = True,
              scorer: object = None) -> StrategyContext:
        backend = FakeBackend([script], repeat_last=True)
        return StrategyContext(backend=backend, settings=settings, analyzer=ensemble,
                               sandbox=sandbox if with_sandbox else None, scorer=scorer)

    return build
