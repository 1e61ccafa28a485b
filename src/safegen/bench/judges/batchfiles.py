"""Write a batch of judge items as files in a private temporary folder, one file per item with code."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from safegen.bench.judges.interface import JudgeItem


@contextmanager
def batch_folder(items: Sequence[JudgeItem]) -> Iterator[tuple[Path, dict[str, int]]]:
    """(folder, file name -> item index) for the items that have code; the folder is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="safegen-judge-") as tmp:
        folder = Path(tmp)
        names: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.code:
                name = f"item_{index:05d}.py"
                (folder / name).write_text(item.code, encoding="utf-8")
                names[name] = index
        yield folder, names
