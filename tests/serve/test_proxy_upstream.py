"""`safegen serve --upstream` through the official openai client: a real proxy in front of a real (scripted)
upstream server, plain and streaming, errors, the bounded queue and a client that goes away."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.serve.servers import (
    CLEAN_CODE,
    GATE_TIMEOUT,
    Upstream,
    answer,
    free_port,
    serve,
    wait_until,
)

STRATEGY = ("--strategy", "franc", "--samples", "1", "--max-rounds", "1", "--model", "tiny")
ENV = {"SAFEGEN_RETRIES": "0"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@pytest.fixture(scope="module")
def proxy(upstream: Upstream) -> Iterator[str]:
    """Two workers and no waiting room: the third request at once gets 429."""
    with serve("--upstream", upstream.url, *STRATEGY, "--workers", "2", "--queue", "0", "--keepalive", "0.2",
               env=ENV) as url:
        yield url


def client(url: str, key: str = "client-key") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=120)


def ask(url: str, text: str, **kwargs: Any) -> Any:
    return client(url).chat.completions.create(model="tiny", messages=[{"role": "user", "content": text}],
                                               **kwargs)


def health(url: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(url.removesuffix("/v1") + "/health", timeout=10).json()
    return data


def test_vulnerable_code_is_hardened_and_reported(proxy: str, upstream: Upstream) -> None:
    completion = ask(proxy, "Write digest(data) that returns a hex digest. VULN")
    text = completion.choices[0].message.content
    report = completion.model_extra["safegen"]
    assert "hashlib.sha256" in text and "md5" not in text, report
    assert text.startswith("Here is the function:") and text.endswith("It returns the hex digest.")
    assert report["changed"] is True and report["mode"] == "harden" and report["strategy"] == "franc"
    [block] = report["blocks"]
    assert block["status_before"] == "vulnerable" and block["status_after"] == "secure"
    assert block["llm_calls"] == 1
    assert any(f["cwe"] == 328 and f["line"] == 5 and "sha256" in f["fix"] for f in block["findings_before"])
    assert block["findings_after"] == []
    assert completion.usage.total_tokens == 18
    assert "Bearer client-key" in upstream.keys  # the client's key went on to the upstream
    repair = [r for r in upstream.requests if any(m["role"] == "assistant" for m in r["messages"])]
    assert repair and "CWE-328" in repair[-1]["messages"][-1]["content"]


def test_clean_answer_passes_unchanged(proxy: str) -> None:
    completion = ask(proxy, "Write digest(data). CLEAN")
    assert completion.choices[0].message.content == answer(CLEAN_CODE)
    report = completion.model_extra["safegen"]
    assert report["changed"] is False and report["blocks"][0]["status_after"] == "secure"


def test_stream_sends_the_hardened_answer(proxy: str) -> None:
    stream = ask(proxy, "Write digest(data). VULN", stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "hashlib.sha256" in text and "md5" not in text
    [last] = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["safegen"]["changed"] is True
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 18


def test_stream_sends_keep_alive_comments_while_hardening(proxy: str, upstream: Upstream) -> None:
    body = {"model": "tiny", "stream": True, "messages": [{"role": "user", "content": "VULN SLOW-keepalive"}]}
    seen: list[str] = []
    with httpx.stream("POST", f"{proxy}/chat/completions", json=body, timeout=GATE_TIMEOUT) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            seen.append(line)
            if line.startswith(": keep-alive"):
                upstream.release("SLOW-keepalive")  # the answer may come now
            if line == "data: [DONE]":
                break
    first_data = next(i for i, line in enumerate(seen) if line.startswith("data:"))
    assert any(line.startswith(": keep-alive") for line in seen[:first_data])
    content = "".join(json.loads(line[5:])["choices"][0]["delta"].get("content") or ""
                      for line in seen if line.startswith("data: {"))
    assert "hashlib.sha256" in content


@pytest.mark.parametrize(("body", "param"), [
    (b"{not json", None),
    (json.dumps({"model": "tiny"}).encode(), "messages"),
    (json.dumps({"model": "tiny", "messages": []}).encode(), "messages"),
    (json.dumps({"messages": [{"role": "robot", "content": "hi"}]}).encode(), "messages[0].role"),
    (json.dumps({"messages": [{"role": "user", "content": "hi"}], "n": 2}).encode(), "n"),
    (json.dumps({"messages": [{"role": "user", "content": "hi"}], "temperature": 7}).encode(), "temperature"),
    (json.dumps({"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}).encode(), "stream"),
])
def test_malformed_requests_get_openai_errors(proxy: str, body: bytes, param: str | None) -> None:
    response = httpx.post(f"{proxy}/chat/completions", content=body, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]


def test_malformed_request_through_the_client(proxy: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client(proxy).chat.completions.create(model="tiny", messages=[])
    assert "messages" in str(info.value)
    with pytest.raises(openai.NotFoundError):
        client(proxy).completions.create(model="tiny", prompt="legacy endpoint")


def test_models_come_from_the_upstream(proxy: str) -> None:
    assert [m.id for m in client(proxy).models.list()] == ["tiny"]


def test_slow_request_does_not_block_others_and_a_full_queue_answers_429(proxy: str, upstream: Upstream) -> None:
    results: dict[str, Any] = {}

    def slow(name: str) -> None:
        try:
            results[name] = ask(proxy, f"Write digest(data). {name}").choices[0].message.content
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[name] = exc

    first = threading.Thread(target=slow, args=("SLOW-a",))
    first.start()
    assert upstream.event(upstream.started, "SLOW-a").wait(GATE_TIMEOUT)
    fast = ask(proxy, "Write digest(data). CLEAN")  # served while SLOW-a still waits on the upstream
    assert fast.choices[0].message.content == answer(CLEAN_CODE)
    assert "SLOW-a" not in results
    second = threading.Thread(target=slow, args=("SLOW-b",))
    second.start()
    assert upstream.event(upstream.started, "SLOW-b").wait(GATE_TIMEOUT)
    with pytest.raises(openai.RateLimitError) as info:  # two at work, no waiting room
        ask(proxy, "Write digest(data). CLEAN")
    assert info.value.status_code == 429 and "busy" in str(info.value)
    upstream.release("SLOW-a")
    upstream.release("SLOW-b")
    first.join(GATE_TIMEOUT)
    second.join(GATE_TIMEOUT)
    assert results["SLOW-a"] == answer(CLEAN_CODE) and results["SLOW-b"] == answer(CLEAN_CODE)
    assert wait_until(lambda: health(proxy)["active"] == 0)


def test_client_that_disconnects_mid_stream_frees_its_place(proxy: str, upstream: Upstream) -> None:
    body = {"model": "tiny", "stream": True, "messages": [{"role": "user", "content": "VULN SLOW-gone"}]}
    with httpx.stream("POST", f"{proxy}/chat/completions", json=body, timeout=GATE_TIMEOUT) as response:
        for line in response.iter_lines():
            if line.startswith(": keep-alive"):
                break  # leave mid-stream, before the answer
    assert health(proxy)["active"] == 1  # still at work for the client that left
    upstream.release("SLOW-gone")
    assert wait_until(lambda: health(proxy)["active"] == 0)
    assert "sha256" in ask(proxy, "Write digest(data). VULN").choices[0].message.content


def test_unreachable_upstream_is_a_clear_502() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with serve("--upstream", dead, *STRATEGY, env=ENV) as url:
        with pytest.raises(openai.InternalServerError) as info:
            ask(url, "Write digest(data). CLEAN")
        assert info.value.status_code == 502 and "cannot reach" in str(info.value)
        assert info.value.body["type"] == "upstream_error"
        with pytest.raises(openai.APIError, match="cannot reach"):
            list(ask(url, "Write digest(data). CLEAN", stream=True))
        assert health(url)["active"] == 0


def test_annotate_mode_passes_the_upstream_stream_through(upstream: Upstream) -> None:
    with serve("--upstream", upstream.url, *STRATEGY, "--mode", "annotate", "--api-key", "own-key",
               env=ENV) as url:
        chunks = list(ask(url, "Write digest(data). VULN", stream=True))
        plain = ask(url, "Write digest(data). VULN")
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == answer("import hashlib\n\n\ndef digest(data: bytes) -> str:\n"
                          "    return hashlib.md5(data).hexdigest()\n")  # unchanged, as the upstream sent it
    assert len(chunks) > 5 and chunks[0].id == "chatcmpl-up"  # the upstream's own chunks
    report = chunks[-1].model_extra["safegen"]
    assert chunks[-1].choices == [] and report["mode"] == "annotate" and report["changed"] is False
    assert [f["rule_id"] for f in report["blocks"][0]["findings_after"]] == ["B324"]
    assert plain.choices[0].message.content == text and plain.model_extra["safegen"]["changed"] is False
    assert upstream.keys[-1] == "Bearer own-key"  # the proxy's own key replaces the client's
