"""The worker's configuration (set once by ``main``) and which source files are the worker's own."""

from __future__ import annotations

import os
from typing import Any

CONFIG: dict[str, Any] = {}
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Frames of the worker (and of the bootstrap that loaded it) are hidden from tracebacks.
_BOOTSTRAP_FILES = frozenset({"<safegen-worker>", "<string>"})


def is_worker_file(filename: str) -> bool:
    """Whether a frame's file belongs to the worker or its bootstrap, not to the target."""
    return filename in _BOOTSTRAP_FILES or filename.startswith(PACKAGE_DIR + os.sep)
