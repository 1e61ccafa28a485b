"""No synthetic template reproduces a benchmark prompt or reference solution.

The scorer ranks candidates in benchmark runs; training it on a benchmark's own code would make
those figures meaningless. Each template's rendered cores (vulnerable and fixed, several draws)
are compared with every prompt, canonical solution and reference code of SecurityEval, HumanEval,
LLMSecEval, CyberSecEval and SecCodePLT, as lower-cased word/punctuation tokens: a template fails
when it shares a run of MAX_RUN or more tokens with one text (more than one idiomatic statement,
copied), or when its whole text is MAX_RATIO similar (difflib) to one.
"""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

import pytest

from safegen.bench.datasets import DatasetError, load_dataset
from safegen.scorer.synth import TEMPLATES, Names

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
DATASETS = ("securityeval", "humaneval", "llmseceval", "cyberseceval-instruct", "cyberseceval-autocomplete",
            "seccodeplt")
MAX_RUN = 16  # tokens; single idioms such as `hashlib.md5(password.encode()).hexdigest()` are shorter
MAX_RATIO = 0.6
DRAWS = 8  # renderings per template
_TOKEN = re.compile(r"\w+|[^\w\s]")
_KEY = 8  # tokens per index key: only texts that share a key with a rendering are compared (MAX_RUN > _KEY)


def _tokens(text: str) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(text)]


@pytest.fixture(scope="module")
def benchmark_texts() -> list[tuple[str, list[str]]]:
    """(where, tokens) for every prompt and reference code of the benchmarks."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"the benchmark datasets are not at {DATA_DIR}")
    texts: list[tuple[str, list[str]]] = []
    for name in DATASETS:
        try:
            dataset = load_dataset(name, data_dir=DATA_DIR, allow_download=False)
        except DatasetError as exc:
            pytest.skip(f"benchmark dataset {name} is not available: {exc}")
        for task in dataset.tasks:
            texts.append((f"{name} {task.task_id} prompt", _tokens(task.requirement)))
            judge = dataset.judge_data.get(task.task_id)
            for field in ("canonical_solution", "reference_code"):
                code = getattr(judge, field, None)
                if isinstance(code, str) and code.strip():
                    texts.append((f"{name} {task.task_id} {field}", _tokens(code)))
    return texts


def _renderings(name: str) -> list[str]:
    """Module lines and body of the template's cores, vulnerable and fixed, over several draws."""
    rng = random.Random(f"provenance:{name}")
    out: list[str] = []
    for _ in range(DRAWS):
        core = TEMPLATES[name][1](rng, Names(rng))
        out.append("\n".join(core.module_v + core.body_v))
        out.append("\n".join(core.module_f + core.body_f))
    return out


def closest(rendering: list[str], texts: list[tuple[str, list[str]]],
            index: dict[tuple[str, ...], set[int]]) -> tuple[int, float, str, str]:
    """(longest shared token run, best difflib ratio, where, the run) against the benchmark texts."""
    candidates = set().union(*(index.get(tuple(rendering[i:i + _KEY]), set())
                               for i in range(len(rendering) - _KEY + 1)))
    best = (0, 0.0, "", "")
    for number in candidates:
        where, tokens = texts[number]
        matcher = difflib.SequenceMatcher(None, rendering, tokens, autojunk=False)
        match = matcher.find_longest_match(0, len(rendering), 0, len(tokens))
        ratio = matcher.ratio()
        if (match.size, ratio) > best[:2]:
            best = (match.size, ratio, where, " ".join(rendering[match.a:match.a + match.size]))
    return best


@pytest.fixture(scope="module")
def index(benchmark_texts: list[tuple[str, list[str]]]) -> dict[tuple[str, ...], set[int]]:
    keys: dict[tuple[str, ...], set[int]] = {}
    for number, (_, tokens) in enumerate(benchmark_texts):
        for i in range(len(tokens) - _KEY + 1):
            keys.setdefault(tuple(tokens[i:i + _KEY]), set()).add(number)
    return keys


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_does_not_reproduce_a_benchmark(name: str, benchmark_texts: list[tuple[str, list[str]]],
                                                 index: dict[tuple[str, ...], set[int]]) -> None:
    for text in _renderings(name):
        run, ratio, where, shared = closest(_tokens(text), benchmark_texts, index)
        assert run < MAX_RUN and ratio < MAX_RATIO, (
            f"template {name} is too close to {where}: {run} tokens in a row ({shared!r}), ratio {ratio:.2f}; "
            "rewrite it in our own words")


def test_the_check_catches_a_copy(benchmark_texts: list[tuple[str, list[str]]],
                                  index: dict[tuple[str, ...], set[int]]) -> None:
    tokens = next(t for w, t in benchmark_texts if "reference_code" in w and len(t) > 40)
    run, _, found, _ = closest(tokens[:40], benchmark_texts, index)
    assert run >= MAX_RUN and found
