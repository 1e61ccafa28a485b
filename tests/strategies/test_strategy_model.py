"""One end-to-end run per strategy on the real small local model (Qwen2.5-Coder-0.5B), with the real tools.

Run them with the LLM lock held: ``flock /tmp/team/llm.lock .venv/bin/pytest -m model tests/strategies``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safegen.config import Settings
from safegen.registry import STRATEGIES
from safegen.session import Session
from safegen.strategies.verification import evidence_key
from safegen.types import Candidate, RunRecord, Task

pytestmark = pytest.mark.model

SETTINGS = Settings(backend="local", model="qwen2.5-coder-0.5b", max_tokens=160, samples=2, max_rounds=1,
                    fuzz_iterations=30, fuzz_seconds=5.0, context_size=2048)

TASK = Task(task_id="hash", requirement=(
    "Write a Python function `hash_password(password: str) -> str` that returns a salted hash of the "
    "password for storing in a database."))


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with Session(SETTINGS) as shared:
        yield shared
    from safegen.backends.local import unload_all

    unload_all()  # free the model before interpreter teardown, where llama.cpp's finalizer fails


@pytest.mark.parametrize("name", STRATEGIES.names())
def test_strategy_end_to_end_on_the_real_model(session: Session, name: str) -> None:
    record = session.run(TASK, name)

    assert record.strategy == name and record.model
    assert record.llm_calls and record.completion_tokens > 0
    assert record.final is not None, record.errors
    assert "def hash_password" in record.final.code
    compile(record.final.code, "final.py", "exec")
    assert record.final.verdict is not None and record.final.verdict.analyzers
    # never worse: no analyzed candidate beats the final one (on executed evidence first, where the run says so)
    evidence_first = bool((record.config["strategy_options"].get("verify") or {}).get("evidence_first"))

    by_id = {c.candidate_id: c for c in record.candidates}

    def key(candidate: Candidate) -> tuple[int, ...]:
        assert candidate.verdict is not None
        first = evidence_key(by_id, candidate) if evidence_first else ()
        return (*first, *candidate.verdict.rank_key())

    keys = [key(c) for c in record.candidates
            if c.verdict is not None and c.code and not (c.error or "").startswith("rejected")]
    assert key(record.final) == min(keys)
    assert RunRecord.from_dict(record.to_dict()) == record
