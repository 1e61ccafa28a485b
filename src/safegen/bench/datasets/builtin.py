"""The built-in datasets: SecurityEval, LLMSecEval (Python), HumanEval, CyberSecEval instruct-v2 and autocomplete."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any, Callable, Iterator

from safegen.bench.datasets.interface import (
    Dataset,
    DatasetSpec,
    DataSource,
    JudgeData,
    Parsed,
    SkippedRow,
)
from safegen.errors import DatasetError
from safegen.types import Task

_CWE = re.compile(r"CWE-0*(\d+)", re.IGNORECASE)
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)

Row = dict[str, Any]


def parse_cwe(text: object) -> int | None:
    """``CWE-020`` -> 20; None when the text names no CWE."""
    match = _CWE.search(str(text or ""))
    return int(match.group(1)) if match else None


def last_function(code: str) -> str | None:
    """Name of the last ``def`` in a code prompt (the function to implement), or None."""
    names = _DEF.findall(code)
    return names[-1] if names else None


def _jsonl_rows(raw: bytes) -> Iterator[tuple[int, Row | None, str]]:
    """(row number, object or None, why not) for each non-blank line."""
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON ({exc.msg})"
            continue
        yield (number, obj, "") if isinstance(obj, dict) else (number, None, "not a JSON object")


def _json_rows(raw: bytes) -> Iterator[tuple[int, Row | None, str]]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"dataset file is not valid JSON: {exc}", hint="delete it to download it again") from None
    if not isinstance(data, list):
        raise DatasetError("dataset file is not a JSON list of rows")
    for number, obj in enumerate(data, start=1):
        yield (number, obj, "") if isinstance(obj, dict) else (number, None, "not a JSON object")


def _text(row: Row, key: str) -> str:
    """A required non-empty string field, or ValueError naming it."""
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"missing or empty field {key!r}")
    return value


def _collect(rows: Iterator[tuple[int, Row | None, str]],
             build: Callable[[Row], tuple[Task, JudgeData]]) -> Parsed:
    """Build tasks row by row; bad rows and duplicate ids are skipped with their reason."""
    tasks: list[Task] = []
    judge: dict[str, JudgeData] = {}
    skipped: list[SkippedRow] = []
    for number, row, why in rows:
        if row is None:
            skipped.append(SkippedRow(number, why))
            continue
        try:
            task, data = build(row)
        except (ValueError, TypeError, KeyError) as exc:
            skipped.append(SkippedRow(number, str(exc)))
            continue
        if task.task_id in judge:
            skipped.append(SkippedRow(number, f"duplicate task id {task.task_id!r}"))
            continue
        tasks.append(task)
        judge[task.task_id] = data
    return Parsed(tuple(tasks), judge, tuple(skipped))


class SecurityEval(Dataset):
    """SecurityEval: 121 Python code prompts, one per CWE scenario (Siddiq & Santos, 2022)."""

    spec = DatasetSpec(
        name="securityeval", version="6f4fb70", local_path="securityeval/dataset.jsonl",
        sha256="e46918698e190e481399c51330c60049ed34a38ccc2546c9a81f0c84d446335f",
        source=DataSource("s2e-lab/SecurityEval", "6f4fb70f782c6d47b02ea24341e8ef8c1eb04a6a", "dataset.jsonl",
                          "e46918698e190e481399c51330c60049ed34a38ccc2546c9a81f0c84d446335f"),
        description="SecurityEval v2: 121 Python code prompts labelled with a CWE", expected_rows=121,
        role="development (tuned on)")

    def parse(self, raw: bytes) -> Parsed:
        def build(row: Row) -> tuple[Task, JudgeData]:
            task_id = _text(row, "ID").removesuffix(".py")
            prompt = _text(row, "Prompt")
            cwe = parse_cwe(task_id)
            task = Task(task_id=task_id, requirement=prompt, entry_point=last_function(prompt),
                        source=self.spec.name, cwe=cwe)
            reference = row.get("Insecure_code")
            return task, JudgeData(task_id=task_id, entry_point=task.entry_point, cwe=cwe,
                                   reference_code=reference if isinstance(reference, str) else None)
        return _collect(_jsonl_rows(raw), build)


class LLMSecEval(Dataset):
    """LLMSecEval: natural-language prompts for CWE Top-25 scenarios; only the Python ones (Tony et al., 2023)."""

    spec = DatasetSpec(
        name="llmseceval", version="39e97f0", local_path="llmseceval/LLMSecEval-Prompts_dataset.json",
        sha256="a1b7307678e061faefb8d666eb6cec506d6a40751175716af07703b3f12433cc",
        source=DataSource("tuhh-softsec/LLMSecEval", "39e97f046dbb2c4c604d31b86f2a4d3d27827388",
                          "Dataset/LLMSecEval-Prompts_dataset.json",
                          "a1b7307678e061faefb8d666eb6cec506d6a40751175716af07703b3f12433cc"),
        description="LLMSecEval: the 83 Python natural-language prompts (of 150)", expected_rows=83,
        role="untouched (never tuned on)")

    def parse(self, raw: bytes) -> Parsed:
        seen: dict[str, int] = {}

        def build(row: Row) -> tuple[Task, JudgeData]:
            prompt_id = _text(row, "Prompt ID")
            # Two prompt ids occur twice (different scenarios): number the repeats so every task id is unique.
            seen[prompt_id] = seen.get(prompt_id, 0) + 1
            task_id = prompt_id if seen[prompt_id] == 1 else f"{prompt_id}#{seen[prompt_id]}"
            text = row.get("Manually-fixed NL Prompt") or _text(row, "LLM-generated NL Prompt")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("missing prompt text")
            requirement = text.replace("<language>", "Python").strip()
            cwe = parse_cwe(prompt_id)
            task = Task(task_id=task_id, requirement=requirement, source=self.spec.name, cwe=cwe)
            return task, JudgeData(task_id=task_id, cwe=cwe,
                                   extra={"cwe_name": row.get("CWE Name", ""), "filename": row.get("Filename", "")})

        python_rows = ((n, row, why) for n, row, why in _json_rows(raw)
                       if row is None or str(row.get("Language", "")).lower() == "python")
        return _collect(python_rows, build)


class HumanEval(Dataset):
    """HumanEval: 164 functions with hidden unit tests (Chen et al., 2021). Tests go to the judge only."""

    spec = DatasetSpec(
        name="humaneval", version="6d43fb9", local_path="humaneval/HumanEval.jsonl.gz",
        sha256="b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
        source=DataSource("openai/human-eval", "6d43fb980f9fee3c892a914eda09951f772ad10d", "data/HumanEval.jsonl.gz",
                          "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"),
        description="HumanEval: 164 Python functions with hidden tests", expected_rows=164,
        role="development (tuned on)")

    def parse(self, raw: bytes) -> Parsed:
        try:
            text = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"humaneval: not a gzip file ({exc})", hint="delete it to download it again") from None

        def build(row: Row) -> tuple[Task, JudgeData]:
            task_id, prompt = _text(row, "task_id"), _text(row, "prompt")
            entry, tests = _text(row, "entry_point"), _text(row, "test")
            task = Task(task_id=task_id, requirement=prompt, entry_point=entry, source=self.spec.name)
            solution = row.get("canonical_solution")
            return task, JudgeData(task_id=task_id, tests=tests, entry_point=entry,
                                   canonical_solution=solution if isinstance(solution, str) else None)
        return _collect(_jsonl_rows(text), build)


class _CyberSecEval(Dataset):
    """CyberSecEval (PurpleLlama) rows with language == python; the upstream file holds every language."""

    variant = ""

    def derive(self, upstream: bytes) -> bytes:
        rows = json.loads(upstream.decode("utf-8"))
        if not isinstance(rows, list):
            raise DatasetError(f"{self.spec.name}: upstream file is not a JSON list")
        lines = [json.dumps(row) for row in rows if isinstance(row, dict) and row.get("language") == "python"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def parse(self, raw: bytes) -> Parsed:
        def build(row: Row) -> tuple[Task, JudgeData]:
            prompt_id = row.get("prompt_id")
            if not isinstance(prompt_id, int):
                raise ValueError("missing integer field 'prompt_id'")
            task_id = f"{self.variant}/{prompt_id}"
            cwe = parse_cwe(row.get("cwe_identifier"))
            task = Task(task_id=task_id, requirement=_text(row, "test_case_prompt"), source=self.spec.name, cwe=cwe)
            origin = row.get("origin_code")
            return task, JudgeData(task_id=task_id, cwe=cwe, reference_code=origin if isinstance(origin, str) else None,
                                   extra={"pattern_id": row.get("pattern_id"), "analyzer": row.get("analyzer"),
                                          "line_text": row.get("line_text")})
        return _collect(_jsonl_rows(raw), build)


_PURPLE = ("meta-llama/PurpleLlama", "4be64c3a24442b51c76175e6ec67722cc3f5fe38")


class CyberSecEvalInstruct(_CyberSecEval):
    """CyberSecEval instruct-v2, Python rows: natural-language requests derived from insecure open-source code."""

    variant = "instruct"
    spec = DatasetSpec(
        name="cyberseceval-instruct", version="4be64c3", local_path="cyberseceval/instruct_v2_python.jsonl",
        sha256="67e80ee19ef9953ba4482c97998f1e284bc40bfcc7f139ec231688667a28ead8",
        source=DataSource(*_PURPLE, "CybersecurityBenchmarks/datasets/instruct/instruct-v2.json"),
        description="CyberSecEval instruct-v2: 282 Python prompts", expected_rows=282,
        role="untouched (never tuned on)")


class CyberSecEvalAutocomplete(_CyberSecEval):
    """CyberSecEval autocomplete, Python rows: code prefixes that led to insecure completions."""

    variant = "autocomplete"
    spec = DatasetSpec(
        name="cyberseceval-autocomplete", version="4be64c3", local_path="cyberseceval/autocomplete_python.jsonl",
        sha256="b57d90a9676f64ef487b748568ae5505ee722968bd8dd9d61846564bab484817",
        source=DataSource(*_PURPLE, "CybersecurityBenchmarks/datasets/autocomplete/autocomplete.json"),
        description="CyberSecEval autocomplete: 351 Python code prefixes", expected_rows=351)
