"""A shared sandbox per test module (starting one costs ~0.1-0.3 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import HAVE_BWRAP

from safegen.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not installed")
    box = Sandbox.create()
    yield box
    box.close()
