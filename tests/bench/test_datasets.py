"""Datasets: the real files load with their pinned hashes, broken rows are skipped, downloads are verified."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from safegen.bench.datasets import download as fetch_mod
from safegen.bench.datasets import get_dataset, load_dataset
from safegen.bench.datasets.builtin import SecurityEval, last_function, parse_cwe
from safegen.errors import DatasetError, InputError


@pytest.mark.parametrize("name, rows, first_id", [
    ("securityeval", 121, "CWE-020_author_1"),
    ("llmseceval", 83, "CWE-20_IIV-1a"),
    ("humaneval", 164, "HumanEval/0"),
    ("cyberseceval-instruct", 282, "instruct/1565"),
    ("cyberseceval-autocomplete", 351, "autocomplete/1565"),
])
def test_real_datasets_load_with_pinned_hash(data_dir: Path, name: str, rows: int, first_id: str) -> None:
    loaded = load_dataset(name, data_dir=data_dir)
    assert len(loaded.tasks) == rows == get_dataset(name).spec.expected_rows
    assert loaded.skipped == ()
    assert loaded.tasks[0].task_id == first_id
    assert len({t.task_id for t in loaded.tasks}) == rows
    assert set(loaded.judge_data) == {t.task_id for t in loaded.tasks}
    assert loaded.identity()["sha256"] == fetch_mod.sha256_bytes((data_dir / get_dataset(name).spec.local_path)
                                                                  .read_bytes())


def test_humaneval_tests_are_hidden_from_tasks(data_dir: Path) -> None:
    loaded = load_dataset("humaneval", data_dir=data_dir)
    for task in loaded.tasks:
        assert task.tests is None
        assert "def check(" not in task.requirement
        hidden = loaded.judge_data[task.task_id]
        assert hidden.tests and "def check(" in hidden.tests
        assert hidden.entry_point == task.entry_point


def test_llmseceval_keeps_only_python_and_fills_the_language(data_dir: Path) -> None:
    loaded = load_dataset("llmseceval", data_dir=data_dir)
    assert all("<language>" not in t.requirement and "Python" in t.requirement for t in loaded.tasks)
    assert "CWE-20_IIV-2b#2" in loaded.judge_data  # a repeated prompt id gets a unique task id
    assert {t.cwe for t in loaded.tasks} >= {20, 22, 78, 79, 89, 502}


def test_securityeval_fields(data_dir: Path) -> None:
    loaded = load_dataset("securityeval", data_dir=data_dir)
    first = loaded.tasks[0]
    assert (first.entry_point, first.cwe, first.source) == ("yaml_load", 20, "securityeval")
    assert "yaml.load" in (loaded.judge_data[first.task_id].reference_code or "")


def test_helpers() -> None:
    assert parse_cwe("CWE-020") == 20 and parse_cwe("no cwe") is None
    assert last_function("import os\n\ndef a():\n    pass\n\ndef b(x):\n    '''doc'''") == "b"


def test_broken_rows_are_skipped_with_reasons() -> None:
    good = {"ID": "CWE-078_x.py", "Prompt": "import os\n\ndef run(cmd):\n    '''run it'''", "Insecure_code": "x"}
    lines = [json.dumps(good), "{not json", json.dumps({"ID": "CWE-089_y.py", "Prompt": ""}), "[1, 2]",
             "", json.dumps(good)]
    parsed = SecurityEval().parse("\n".join(lines).encode())
    assert [t.task_id for t in parsed.tasks] == ["CWE-078_x"]
    reasons = {s.row: s.reason for s in parsed.skipped}
    assert set(reasons) == {2, 3, 4, 6}
    assert "invalid JSON" in reasons[2] and "'Prompt'" in reasons[3] and "not a JSON object" in reasons[4]
    assert "duplicate" in reasons[6]


def test_hash_mismatch_in_data_dir_is_a_dataset_error(tmp_path: Path, data_dir: Path) -> None:
    target = tmp_path / "securityeval"
    target.mkdir()
    raw = (data_dir / "securityeval" / "dataset.jsonl").read_bytes()
    (target / "dataset.jsonl").write_bytes(raw.replace(b"yaml", b"YAML", 1))
    with pytest.raises(DatasetError, match="sha256"):
        load_dataset("securityeval", data_dir=tmp_path)


def test_missing_file_in_explicit_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_dataset("humaneval", data_dir=tmp_path)


def test_unknown_dataset_names_the_choices() -> None:
    with pytest.raises(InputError, match="securityeval"):
        load_dataset("nope")


def _no_checkout_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """As for an installed package: no ``shared/datasets`` beside a checkout."""
    monkeypatch.setattr(fetch_mod, "checkout_root", lambda start=None: None)


def test_datasets_are_found_beside_the_checkout_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unrelated = tmp_path / "shared" / "datasets"
    unrelated.mkdir(parents=True)
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)  # a shared/datasets above the working directory belongs to someone else
    found = fetch_mod.find_data_dir()
    assert found != unrelated
    checkout = tmp_path / "checkout"
    (checkout / "src" / "safegen").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    assert fetch_mod.find_data_dir(checkout / "src" / "safegen") == unrelated  # beside this checkout: used
    assert fetch_mod.checkout_root(work) is None


def _serve(root: Path, name: str, data: bytes) -> None:
    source = get_dataset(name).spec.source
    target = root / source.repo / source.commit / source.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def test_download_is_verified_and_cached(tmp_path: Path, data_dir: Path, http_root: tuple[Path, str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _no_checkout_data(monkeypatch)  # as for a user without the development datasets: the download path
    root, base = http_root
    _serve(root, "humaneval", (data_dir / "humaneval" / "HumanEval.jsonl.gz").read_bytes())
    cache = tmp_path / "cache"
    loaded = load_dataset("humaneval", cache_dir=cache, base_url=base)
    assert len(loaded.tasks) == 164
    assert loaded.path == fetch_mod.cached_path(get_dataset("humaneval").spec, cache)
    shutil.rmtree(root / "openai")  # the server no longer has it: the cache answers
    again = load_dataset("humaneval", cache_dir=cache, base_url=base)
    assert again.path == loaded.path and len(again.tasks) == 164


def test_download_with_wrong_hash_is_refused_and_not_cached(tmp_path: Path, data_dir: Path,
                                                            http_root: tuple[Path, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _no_checkout_data(monkeypatch)
    root, base = http_root
    rows = gzip.decompress((data_dir / "humaneval" / "HumanEval.jsonl.gz").read_bytes())
    _serve(root, "humaneval", gzip.compress(rows.replace(b"candidate", b"candidat3", 1)))
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match="sha256"):
        load_dataset("humaneval", cache_dir=cache, base_url=base)
    assert not fetch_mod.cached_path(get_dataset("humaneval").spec, cache).exists()


def test_download_missing_upstream_file(tmp_path: Path, http_root: tuple[Path, str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _no_checkout_data(monkeypatch)
    with pytest.raises(DatasetError, match="HTTP 404"):
        load_dataset("securityeval", cache_dir=tmp_path / "cache", base_url=http_root[1])


def test_cyberseceval_download_filters_python_rows(tmp_path: Path, data_dir: Path, http_root: tuple[Path, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _no_checkout_data(monkeypatch)
    root, base = http_root
    python_rows = [json.loads(line) for line in (data_dir / "cyberseceval" / "instruct_v2_python.jsonl")
                   .read_text().splitlines()]
    other = dict(python_rows[0], language="c", prompt_id=999999)
    upstream = [other, *python_rows[:100], dict(other, language="rust"), *python_rows[100:]]
    _serve(root, "cyberseceval-instruct", json.dumps(upstream, indent=2).encode())
    monkeypatch.setenv(fetch_mod.BASE_URL_ENV, base)
    loaded = load_dataset("cyberseceval-instruct", cache_dir=tmp_path / "cache")
    assert len(loaded.tasks) == 282
    assert "instruct/999999" not in loaded.judge_data
