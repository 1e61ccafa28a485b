"""`safegen serve` in front of the embedded model (the 0.5B test model), through the official openai client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.serve.servers import serve

pytestmark = pytest.mark.model

PROMPT = ("Write a Python function run(command: str) -> str that runs a shell command and returns its output. "
          "Answer with one python code block.")


@pytest.fixture(scope="module")
def proxy(small_model_path: Path) -> Iterator[str]:
    with serve("--model", str(small_model_path), "--strategy", "franc", "--samples", "1", "--max-rounds", "1",
               "--max-tokens", "256", "--threads", "2", "--note") as url:
        yield url


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=600)


def test_models_lists_the_embedded_model(proxy: str, small_model_path: Path) -> None:
    assert [m.id for m in client(proxy).models.list()] == [str(small_model_path)]


def test_plain_and_streamed_answers_are_valid_completions(proxy: str) -> None:
    messages = [{"role": "user", "content": PROMPT}]
    completion = client(proxy).chat.completions.create(model="any", messages=messages, max_tokens=256)
    text = completion.choices[0].message.content
    report = completion.model_extra["safegen"]
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason in ("stop", "length")
    assert report["mode"] == "harden" and report["strategy"] == "franc"
    assert "```" in text and report["blocks"], text  # the model answered with code, and it was examined
    assert "> safegen:" in text  # --note
    for block in report["blocks"]:
        assert block["status_before"] in ("secure", "vulnerable", "unknown")
        assert all(f["line"] >= 1 and f["fix"] for f in block["findings_before"])
    chunks = list(client(proxy).chat.completions.create(model="any", messages=messages, max_tokens=256,
                                                         stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "```" in streamed and "> safegen:" in streamed
    last = chunks[-1]
    assert last.choices[0].finish_reason in ("stop", "length") and last.model_extra["safegen"]["blocks"]
    for block in last.model_extra["safegen"]["blocks"]:
        assert block["status_after"] in ("secure", "vulnerable", "unknown")
        if block["changed"]:  # only vulnerable code is rewritten, and only by the model's repair
            assert block["status_before"] == "vulnerable" and block["llm_calls"] >= 1
        else:
            assert block["findings_after"] == block["findings_before"] or block["status_before"] != "vulnerable"
