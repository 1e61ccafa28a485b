"""Progress messages and bars on stderr, silenced by --quiet or when SAFEGEN_QUIET is set."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from tqdm import tqdm

_quiet = bool(os.environ.get("SAFEGEN_QUIET"))


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def note(message: str) -> None:
    """One line of progress on stderr."""
    if not _quiet:
        print(f"safegen: {message}", file=sys.stderr, flush=True)


@contextmanager
def step(message: str) -> Iterator[None]:
    """Announce a slow step and report how long it took."""
    note(f"{message} ...")
    start = time.perf_counter()
    yield
    note(f"{message} done in {time.perf_counter() - start:.1f}s")


def bar(total: int | None, desc: str, unit: str = "it") -> tqdm:
    """A progress bar on stderr; disabled when quiet or when stderr is not a terminal (logs stay clean)."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=_quiet or not sys.stderr.isatty(),
                leave=False, dynamic_ncols=True)
