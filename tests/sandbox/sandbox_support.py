"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import os
import shutil
import subprocess

HAVE_BWRAP = shutil.which("bwrap") is not None or os.access("/usr/bin/bwrap", os.X_OK)


def processes_of(uid: int) -> int:
    """How many host processes run as ``uid`` (the sandbox's private uid)."""
    out = subprocess.run(["pgrep", "-c", "-u", str(uid)], capture_output=True, text=True, check=False).stdout
    return int(out.strip() or 0)
