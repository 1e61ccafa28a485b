"""Derived tests from the real small model (Qwen2.5-Coder-0.5B) on a requirement written for this test.

Run with the LLM lock held where several sessions share the machine:
``flock /tmp/team/llm.lock .venv/bin/pytest -m model tests/verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safegen.backends.interface import LLMBackend
from safegen.sandbox import Sandbox
from safegen.types import Candidate, Task
from safegen.verify import DeriveParams, agreement, check, derive_tests, newly_fails

pytestmark = pytest.mark.model

TASK = Task("vowels", (
    "Write a Python function `count_vowels(text: str) -> int` that returns how many vowels (a, e, i, o, u, "
    "in upper or lower case) the text contains. For example, count_vowels('Hello World') returns 3."),
    "count_vowels")
GOOD = "def count_vowels(text):\n    return sum(1 for c in text.lower() if c in 'aeiou')\n"
GOOD_TOO = "def count_vowels(text):\n    total = 0\n    for c in text:\n        if c in 'aeiouAEIOU':\n" \
           "            total += 1\n    return total\n"
WRONG = "def count_vowels(text):\n    return len(text) - sum(1 for c in text.lower() if c in 'aeiou')\n"


@pytest.fixture(scope="module")
def backend(small_model_path: Path) -> Iterator[LLMBackend]:
    from safegen.backends.local import LocalBackend, unload_all

    yield LocalBackend(small_model_path, n_ctx=2048, threads=2)
    unload_all()  # free the model before interpreter teardown, where llama.cpp's finalizer fails


def test_the_models_trusted_tests_pass_the_right_answer_and_catch_the_wrong_one(
        backend: LLMBackend, sandbox: Sandbox) -> None:
    derived = derive_tests(TASK, backend, DeriveParams(max_tests=6, max_tokens=256))
    assert derived.call is not None and derived.call.completion_tokens > 0
    assert derived.tests, derived.notes
    for test in derived.tests:
        compile(test.source, "tests.py", "exec")
        assert "count_vowels(" in test.source and "def count_vowels" not in test.source

    candidates = [Candidate("good", GOOD, "sample"), Candidate("good-too", GOOD_TOO, "sample"),
                  Candidate("wrong", WRONG, "sample")]
    trusted = agreement(derived, candidates, sandbox)
    assert trusted.tests, (trusted.notes, trusted.votes)
    assert set(trusted.consensus) == {"good", "good-too"}
    good, wrong = trusted.result("good"), trusted.result("wrong")
    assert good is not None and wrong is not None
    assert not good.failed and good.passed == {t.name for t in trusted.tests}
    assert wrong.failed  # the wrong answer fails a trusted test
    # a repair of the good answer into the wrong one is rejected by the rule
    assert newly_fails(good, check(trusted, Candidate("repair", WRONG, "repair", parent="good"), sandbox))
