"""One sandbox shared by the attack tests of a module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
import pytest

from safegen.sandbox import Sandbox

@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    if shutil.which("bwrap") is None and not os.access("/usr/bin/bwrap", os.X_OK):
        pytest.skip("bubblewrap is not installed")
    box = Sandbox.create()
    yield box
    box.close()
