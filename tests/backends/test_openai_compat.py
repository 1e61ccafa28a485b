"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1 speaking chat completions."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.backends.openai_compat import OpenAICompatBackend
from safegen.config import Settings
from safegen.errors import BackendAuthError, BackendError, ConfigError

MESSAGES = [ChatMessage("system", "You write Python."), ChatMessage("user", "Add two numbers.")]


@dataclass
class Reply:
    """One scripted answer: HTTP status, JSON body (or raw bytes), optional delay and headers."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    url: str
    replies: list[Reply]
    requests: list[dict[str, Any]]
    honour_n: bool = True


def _chat_body(payload: dict[str, Any], n: int) -> dict[str, Any]:
    texts = [f"```python\ndef add(a, b):\n    return a + b  # seed={payload.get('seed')} i={i}\n```"
             for i in range(n)]
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "model": payload.get("model"),
        "choices": [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
                    for i, t in enumerate(texts)],
        "usage": {"prompt_tokens": 20, "completion_tokens": 12 * n, "total_tokens": 20 + 12 * n},
    }


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="", replies=[], requests=[])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                   "payload": payload})
            reply = state.replies.pop(0) if state.replies else Reply()
            if reply.delay:
                time.sleep(reply.delay)
            if reply.body is None:
                n = int(payload.get("n", 1)) if state.honour_n else 1
                body: bytes = json.dumps(_chat_body(payload, n)).encode()
            elif isinstance(reply.body, bytes):
                body = reply.body
            else:
                body = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _backend(url: str, **kwargs: Any) -> OpenAICompatBackend:
    options: dict[str, Any] = {"api_key": "sk-test", "timeout": 5.0, "retries": 2, "backoff": 0.01}
    options.update(kwargs)
    return OpenAICompatBackend(url, "qwen-test", **options)


def test_success_sends_the_request_and_maps_the_reply(server: Server) -> None:
    backend = _backend(server.url)
    params = GenerationParams(temperature=0.2, max_tokens=64, stop=("\n\n\n",), seed=7)
    [completion] = backend.complete(MESSAGES, params)
    assert "def add(a, b):" in completion.text
    assert (completion.prompt_tokens, completion.completion_tokens) == (20, 12)
    assert completion.finish_reason == "stop" and completion.seconds > 0
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    payload = request["payload"]
    assert payload["model"] == "qwen-test"
    assert payload["messages"] == [{"role": "system", "content": "You write Python."},
                                   {"role": "user", "content": "Add two numbers."}]
    assert (payload["temperature"], payload["max_tokens"], payload["seed"], payload["n"]) == (0.2, 64, 7, 1)
    assert payload["stop"] == ["\n\n\n"]
    backend.close()


def test_an_answer_prefix_goes_as_a_final_assistant_message_when_the_user_opts_in(server: Server) -> None:
    assert not _backend(server.url).continues_answers  # OpenAI's own API would start a new answer
    backend = OpenAICompatBackend.from_settings(Settings(backend="openai", base_url=server.url, model="m",
                                                         continue_answers=True))
    assert backend.continues_answers
    prefix = "```python\ndef add(a, b):\n"
    server.replies = [Reply(body=_body_with("    return a + b\n```")),  # vLLM: the continuation only
                      Reply(body=_body_with(prefix + "    return a + b\n```"))]  # a server that repeats it
    for _ in range(2):
        [completion] = backend.complete(MESSAGES, GenerationParams(prefix=prefix))
        assert completion.text == prefix + "    return a + b\n```"
    payload = server.requests[0]["payload"]
    assert payload["messages"][-1] == {"role": "assistant", "content": prefix}
    assert payload["continue_final_message"] is True and payload["add_generation_prompt"] is False
    backend.complete(MESSAGES, GenerationParams())
    assert "continue_final_message" not in server.requests[-1]["payload"]
    assert server.requests[-1]["payload"]["messages"][-1]["role"] == "user"


def _body_with(content: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 6}}


def test_n_in_one_request_when_the_server_supports_it(server: Server) -> None:
    completions = _backend(server.url).complete(MESSAGES, GenerationParams(n=3, temperature=0.8, seed=1))
    assert len(completions) == 3 and len(server.requests) == 1
    assert sum(c.completion_tokens for c in completions) == 36
    assert sum(c.prompt_tokens for c in completions) == 20


def test_n_by_several_requests_when_the_server_ignores_it(server: Server) -> None:
    server.honour_n = False
    completions = _backend(server.url).complete(MESSAGES, GenerationParams(n=3, temperature=0.8, seed=10))
    assert len(completions) == 3 and len(server.requests) == 3
    assert [r["payload"]["seed"] for r in server.requests] == [10, 11, 12]
    assert len({c.text for c in completions}) == 3


def test_bad_key_is_an_auth_error_without_retries(server: Server) -> None:
    server.replies = [Reply(401, {"error": {"message": "Incorrect API key provided"}})]
    with pytest.raises(BackendAuthError) as info:
        _backend(server.url).complete(MESSAGES, GenerationParams())
    assert "SAFEGEN_API_KEY" in info.value.hint
    assert "Incorrect API key" in info.value.message
    assert info.value.exit_code != BackendError.exit_code
    assert len(server.requests) == 1


def test_server_error_then_success_is_retried(server: Server) -> None:
    server.replies = [Reply(500, {"error": "boom"}), Reply(503, {"error": "busy"})]
    [completion] = _backend(server.url, retries=2).complete(MESSAGES, GenerationParams())
    assert "def add" in completion.text
    assert len(server.requests) == 3


def test_rate_limit_honours_retry_after(server: Server) -> None:
    server.replies = [Reply(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0"})]
    assert _backend(server.url).complete(MESSAGES, GenerationParams())
    assert len(server.requests) == 2


def test_retries_are_bounded(server: Server) -> None:
    server.replies = [Reply(502, {"error": "bad gateway"})] * 10
    with pytest.raises(BackendError, match="HTTP 502"):
        _backend(server.url, retries=2).complete(MESSAGES, GenerationParams())
    assert len(server.requests) == 3


def test_client_errors_are_not_retried(server: Server) -> None:
    server.replies = [Reply(400, {"error": {"message": "model 'qwen-test' not found"}})]
    with pytest.raises(BackendError, match="not found"):
        _backend(server.url).complete(MESSAGES, GenerationParams())
    assert len(server.requests) == 1


def test_not_found_points_at_the_base_url(server: Server) -> None:
    server.replies = [Reply(404, b"404 page not found")]
    with pytest.raises(BackendError) as info:
        _backend(server.url).complete(MESSAGES, GenerationParams())
    assert "/v1" in info.value.hint


def test_non_json_and_empty_choices_are_clear_errors(server: Server) -> None:
    server.replies = [Reply(200, b"<html>hello</html>"), Reply(200, {"choices": []})]
    backend = _backend(server.url)
    with pytest.raises(BackendError, match="not JSON"):
        backend.complete(MESSAGES, GenerationParams())
    with pytest.raises(BackendError, match="no choices"):
        backend.complete(MESSAGES, GenerationParams())


def test_timeout(server: Server) -> None:
    server.replies = [Reply(delay=2.0)]
    with pytest.raises(BackendError, match="did not answer") as info:
        _backend(server.url, timeout=0.3).complete(MESSAGES, GenerationParams())
    assert "SAFEGEN_REQUEST_TIMEOUT" in info.value.hint
    assert len(server.requests) == 1


def test_unreachable_port_names_the_url_and_the_fix() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(BackendError) as info:
        _backend(url, retries=1).complete(MESSAGES, GenerationParams())
    assert url in info.value.message
    assert "--base-url" in info.value.hint


def test_settings_without_base_url_or_model_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="base URL"):
        OpenAICompatBackend.from_settings(Settings(backend="openai", model="m"))
    with pytest.raises(ConfigError, match="model name"):
        OpenAICompatBackend.from_settings(Settings(backend="openai", base_url="http://127.0.0.1:1/v1"))
    with pytest.raises(ConfigError, match="invalid base URL"):
        OpenAICompatBackend.from_settings(Settings(backend="openai", model="m", base_url="localhost:8000"))


def test_from_settings_uses_key_timeout_and_retries(server: Server) -> None:
    settings = Settings(backend="openai", model="qwen-test", base_url=server.url + "/", api_key="sk-env",
                        request_timeout=7.0, retries=0)
    backend = OpenAICompatBackend.from_settings(settings)
    assert (backend.timeout, backend.retries) == (7.0, 0)
    server.replies = [Reply(500, {"error": "once"})]
    with pytest.raises(BackendError, match="HTTP 500"):
        backend.complete(MESSAGES, GenerationParams())
    backend.complete(MESSAGES, GenerationParams())
    assert [r["auth"] for r in server.requests] == ["Bearer sk-env"] * 2
    assert backend.model_id.startswith("qwen-test")
