"""One run folder from the parts of a run made side by side (``bench run --part K/N``, one folder each)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safegen.bench.datasets import load_dataset
from safegen.bench.runner import GENERATIONS, MANIFEST, RESULTS
from safegen.bench.store import JsonlLog
from safegen.errors import InputError, SafegenError

SAME_RUN = ("dataset", "strategy", "variant", "strategy_options", "samples", "split", "seed", "settings")


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{folder} is not a run folder: {exc}", hint="give folders written by `safegen bench run`")
    if not isinstance(manifest, dict):
        raise InputError(f"{path} is not a run manifest")
    return manifest


def _replanned(manifest: dict[str, Any], data_dir: str | Path | None) -> list[str] | None:
    """The tasks a part written before run.json listed them had planned, chosen again from its dataset as the run
    chose them (split, limit, --task, --part); None when that dataset is not at hand, unchanged, without download."""
    identity = manifest.get("dataset") or {}
    try:
        dataset = load_dataset(str(identity.get("name")), data_dir=data_dir, allow_download=False)
        if dataset.sha256 != identity.get("sha256"):
            return None
        part = manifest.get("part")
        chosen = dataset.chosen(manifest.get("split"), manifest.get("limit"), manifest.get("task_ids") or (),
                                (int(part[0]), int(part[1])) if part else None)
    except (SafegenError, TypeError, ValueError, IndexError):
        return None
    return [task.task_id for task in chosen.tasks]


def _planned(manifests: Sequence[dict[str, Any]], data_dir: str | Path | None) -> dict[str, Any]:
    """The merged run's planned tasks: the union of the parts' (a part's tasks handed on to another part count
    once); a part written before run.json listed them is chosen again from its dataset, else the parts are summed."""
    lists = [m["planned"] if isinstance(m.get("planned"), list) else _replanned(m, data_dir) for m in manifests]
    if all(tasks is not None for tasks in lists):
        planned = list(dict.fromkeys(task for tasks in lists for task in tasks or ()))
        return {"planned": planned, "tasks": len(planned)}
    return {"planned": None, "tasks": sum(int(m.get("tasks") or 0) for m in manifests)}


def merge_runs(parts: Sequence[Path], out: Path, *, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Write the records of ``parts`` (the same run, disjoint tasks) into the new folder ``out``; return its manifest.

    Nothing is written unless every part is the same run (dataset, strategy, options, samples, split, seed, model
    settings) and no record key is in two parts: a merged folder then reads, resumes and reports as one run.
    """
    if len(parts) < 2:
        raise InputError("give at least two part folders to merge")
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} already holds files", hint="merge into a new folder")
    manifests = [_manifest(folder) for folder in parts]
    for folder, manifest in zip(parts[1:], manifests[1:]):
        for key in SAME_RUN:
            if manifest.get(key) != manifests[0].get(key):
                raise InputError(f"{folder} is another run than {parts[0]} ({key}: {manifest.get(key)!r}, "
                                 f"there {manifests[0].get(key)!r})", hint="merge only the parts of one run")
    merged: dict[str, list[dict[str, Any]]] = {GENERATIONS: [], RESULTS: []}
    for name, lines in merged.items():
        owner: dict[str, Path] = {}
        for folder in parts:
            for line in JsonlLog(folder / name).read():
                key = str(line.get("key"))
                if key in owner:
                    raise InputError(f"{key} is in both {owner[key]} and {folder}",
                                     hint="the parts of one run hold disjoint tasks (--part K/N)")
                owner[key] = folder
                lines.append(line)
    manifest = dict(manifests[0])
    manifest.update(part=None, task_ids=None, limit=None, merged_from=[str(folder) for folder in parts],
                    **_planned(manifests, data_dir))
    out.mkdir(parents=True, exist_ok=True)
    for name, lines in merged.items():
        (out / name).write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
