"""Benchmark datasets: one registry (safegen.registry.DATASETS), pinned versions, sha256 checks, hidden judge data."""

from __future__ import annotations

from pathlib import Path

from safegen.bench.datasets.download import fetch, find_data_dir
from safegen.bench.datasets.interface import (
    Dataset,
    DatasetSpec,
    DataSource,
    JudgeData,
    LoadedDataset,
    Parsed,
    SkippedRow,
)
from safegen.errors import DatasetError
from safegen.registry import DATASETS

__all__ = ["DataSource", "Dataset", "DatasetSpec", "JudgeData", "LoadedDataset", "Parsed", "SkippedRow",
           "dataset_names", "fetch", "find_data_dir", "get_dataset", "load_dataset"]


def dataset_names() -> list[str]:
    return DATASETS.names()


def get_dataset(name: str) -> Dataset:
    """An instance of the registered dataset ``name`` (InputError naming the choices when unknown)."""
    factory = DATASETS.get(name)
    dataset = factory() if isinstance(factory, type) else factory
    if not isinstance(dataset, Dataset):
        raise DatasetError(f"dataset {name!r} is not a safegen.bench.datasets.Dataset")
    return dataset


def load_dataset(name: str, *, data_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                 allow_download: bool = True, base_url: str | None = None) -> LoadedDataset:
    """Find, hash-check and parse a dataset; broken rows are skipped and listed in ``skipped``."""
    dataset = get_dataset(name)
    path, raw = fetch(dataset, data_dir=data_dir, cache_dir=cache_dir, allow_download=allow_download,
                      base_url=base_url)
    parsed = dataset.parse(raw)
    if not parsed.tasks:
        raise DatasetError(f"dataset {name}: {path} holds no usable task "
                           f"({len(parsed.skipped)} rows skipped)", hint="check the file")
    spec = dataset.spec
    return LoadedDataset(name=spec.name, version=spec.version, sha256=spec.sha256, path=path,
                         tasks=parsed.tasks, judge_data=dict(parsed.judge_data), skipped=parsed.skipped,
                         splits=dataset.splits())
