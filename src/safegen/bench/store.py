"""Append-only JSONL logs that survive a kill: every line is flushed and fsynced; a torn last line is dropped."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from safegen import progress


class JsonlLog:
    """One JSON object per line. Only one process appends (the runner's main process)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[dict[str, Any]]:
        """Every complete record; a torn or corrupt line is skipped with a note, never fatal."""
        if not self.path.exists():
            return []
        records: list[dict[str, Any]] = []
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                torn = number == len(lines)  # the last chunk without its newline: a write cut short
                progress.note(f"{self.path}: {'torn last' if torn else 'corrupt'} line {number} skipped")
                continue
            if isinstance(obj, dict):
                records.append(obj)
        return records

    def repair(self) -> None:
        """Make the file end with a newline: drop a torn last line (keep it if it is a whole record)."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        tail = data[cut:]
        try:
            json.loads(tail)
        except (json.JSONDecodeError, UnicodeDecodeError):
            with open(self.path, "r+b") as handle:
                handle.truncate(cut)
                handle.flush()
                os.fsync(handle.fileno())
            return
        with open(self.path, "ab") as handle:
            handle.write(b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and make it durable before returning."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
