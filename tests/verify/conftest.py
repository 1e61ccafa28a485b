"""A shared sandbox for the derived-test checks (starting one costs ~0.1-0.3 s)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from safegen.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    with Sandbox.create() as box:
        yield box
