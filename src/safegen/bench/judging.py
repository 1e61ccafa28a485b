"""The judging job: a batch of generated code in, every judge's verdicts out. Runs in a worker process or on Ray."""

from __future__ import annotations

import json
from typing import Any, Sequence

from safegen.bench.datasets.interface import JudgeData
from safegen.bench.judges import Judge, create_judge
from safegen.bench.judges.interface import JudgeItem, JudgeVerdict, error_verdicts
from safegen.config import Settings
from safegen.errors import SafegenError

# Judges are built once per worker process and reused for every batch it gets.
_JUDGES: dict[str, list[Judge]] = {}


def job_item(key: str, task_id: str, code: str | None, data: JudgeData | None) -> dict[str, Any]:
    """The picklable form of one item: only what judges need, never the whole run record."""
    return {"key": key, "task_id": task_id, "code": code, "data": data.to_dict() if data else None}


def _judges(names: Sequence[str], settings: dict[str, Any]) -> list[Judge]:
    cache_key = json.dumps([list(names), settings], sort_keys=True, default=str)
    if cache_key not in _JUDGES:
        built = Settings(**settings)
        _JUDGES[cache_key] = [create_judge(name, built) for name in names]
    return _JUDGES[cache_key]


def _safe_judge(judge: Judge, items: list[JudgeItem]) -> list[list[JudgeVerdict]]:
    """A judge that fails as a whole yields error verdicts (fail closed), never a crash of the run."""
    try:
        verdicts = judge.judge(items)
        if len(verdicts) != len(items):
            raise SafegenError(f"judge {judge.name} returned {len(verdicts)} results for {len(items)} items")
        return verdicts
    except Exception as exc:  # noqa: BLE001 - any judge failure is recorded per item, the run goes on
        try:
            return [error_verdicts(judge, f"{type(exc).__name__}: {exc}") for _ in items]
        except Exception:  # noqa: BLE001 - even version() failed: record without it
            message = f"{type(exc).__name__}: {exc}"
            return [[JudgeVerdict(p.id, judge.name, "unknown", judge.independent, "error", message=message)
                     for p in judge.protocols()] for _ in items]


def judge_batch(payload: list[dict[str, Any]], names: Sequence[str], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """For each item: its key, all verdicts (as dicts) and the judges' versions."""
    items = [JudgeItem(key=p["key"], task_id=p["task_id"], code=p.get("code"),
                       data=JudgeData.from_dict(p["data"]) if p.get("data") else None) for p in payload]
    try:
        judges = _judges(names, settings)
    except SafegenError as exc:  # e.g. an unknown judge name: every item records why
        return [{"key": item.key, "verdicts": [], "judges": {}, "error": str(exc)} for item in items]
    per_judge = [_safe_judge(judge, items) for judge in judges]
    out = []
    for index, item in enumerate(items):
        verdicts = [v.to_dict() for rows in per_judge for v in rows[index]]
        versions = {v["judge"]: v["tool_version"] for v in verdicts}
        out.append({"key": item.key, "verdicts": verdicts, "judges": versions})
    return out


def close_judges() -> None:
    """Release every judge this process built (sandboxes, ensembles)."""
    for judges in _JUDGES.values():
        for judge in judges:
            try:
                judge.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
    _JUDGES.clear()
