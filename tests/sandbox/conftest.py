"""A shared sandbox per test module (starting one costs ~0.1-0.3 s)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from safegen.sandbox import Sandbox

HAVE_BWRAP = shutil.which("bwrap") is not None or os.access("/usr/bin/bwrap", os.X_OK)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not installed")
    box = Sandbox.create()
    yield box
    box.close()


def processes_of(uid: int) -> int:
    """How many host processes run as ``uid`` (the sandbox's private uid)."""
    out = subprocess.run(["pgrep", "-c", "-u", str(uid)], capture_output=True, text=True).stdout.strip()
    return int(out or 0)
