"""Real servers for the proxy tests: a tiny scripted OpenAI-compatible upstream, and `safegen serve` itself.

The upstream answers by keywords in the last user message:
    VULN       a Python block hashing with MD5 (bandit B324, CWE-328)
    CLEAN      the same function with SHA-256
    SLOW-name  waits until the test calls release(name) (at most GATE_TIMEOUT seconds)
A conversation with an assistant turn is a repair prompt: the answer is the SHA-256 version.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import httpx

VULN_CODE = "import hashlib\n\n\ndef digest(data: bytes) -> str:\n    return hashlib.md5(data).hexdigest()\n"
CLEAN_CODE = "import hashlib\n\n\ndef digest(data: bytes) -> str:\n    return hashlib.sha256(data).hexdigest()\n"
GATE_TIMEOUT = 60.0
START_TIMEOUT = 120.0


def answer(code: str) -> str:
    return f"Here is the function:\n\n```python\n{code}```\n\nIt returns the hex digest."


class Upstream:
    """A scripted chat-completions server on 127.0.0.1 in a thread; records what it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.started: dict[str, threading.Event] = {}
        self.gates: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def event(self, table: dict[str, threading.Event], name: str) -> threading.Event:
        with self._lock:
            return table.setdefault(name, threading.Event())

    def release(self, name: str) -> None:
        self.event(self.gates, name).set()

    def reply(self, body: dict[str, Any]) -> str:
        messages = body.get("messages") or []
        if any(m.get("role") == "assistant" for m in messages):
            return answer(CLEAN_CODE)
        last = str(messages[-1].get("content", "")) if messages else ""
        for word in last.split():
            if word.startswith("SLOW-"):
                self.event(self.started, word).set()
                self.event(self.gates, word).wait(GATE_TIMEOUT)
        return answer(VULN_CODE if "VULN" in last else CLEAN_CODE)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": "tiny", "object": "model", "created": 0,
                                                                 "owned_by": "tests"}]})
                else:
                    self._json(404, {"error": {"message": "no such route", "type": "not_found"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with upstream._lock:
                    upstream.requests.append(body)
                    upstream.keys.append(self.headers.get("Authorization", ""))
                text = upstream.reply(body)
                if not body.get("stream"):
                    self._json(200, {"id": "chatcmpl-up", "object": "chat.completion", "created": 0,
                                     "model": body.get("model", "tiny"),
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": text}}],
                                     "usage": {"prompt_tokens": 7, "completion_tokens": 11, "total_tokens": 18}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [text[i:i + 16] for i in range(0, len(text), 16)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces] + [{}]
                for i, delta in enumerate(deltas):
                    event = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 0,
                             "model": "tiny", "choices": [{"index": 0, "delta": delta,
                                                           "finish_reason": "stop" if i == len(deltas) - 1
                                                           else None}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for gate in list(self.gates.values()):
            gate.set()
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def safegen_command() -> list[str]:
    script = Path(sys.executable).parent / "safegen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "safegen"]


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`safegen serve` on a free port until the block ends; yields its base URL (…/v1)."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below; a file, so the server never blocks on it
    proc = subprocess.Popen([*safegen_command(), "serve", "--port", str(port), "-q", *args],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")[-3000:]
                raise AssertionError(f"safegen serve exited with {proc.returncode}: {err}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("safegen serve did not start in time")
            time.sleep(0.2)
        yield f"{base}/v1"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def wait_until(condition: Any, timeout: float = 30.0) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass (bounded, for server state)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())
