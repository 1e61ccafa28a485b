"""The OpenAI-compatible hardening proxy: FastAPI routes, the bounded queue, streaming and error mapping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from safegen.backends.interface import GenerationParams, LLMBackend
from safegen.config import Settings
from safegen.errors import BackendAuthError, BackendError, SafegenError
from safegen.serve import protocol, relay
from safegen.serve.harden import Hardener
from safegen.serve.report import HardenReport

T = TypeVar("T")
MODES = ("harden", "annotate")
_FINISH = {"stop", "length", "tool_calls", "content_filter"}


@dataclass(frozen=True)
class ServeOptions:
    """How the proxy runs: where answers come from, what it does to them, how many requests it holds."""

    upstream: str | None = None  # an OpenAI-compatible base URL; None: the embedded model
    mode: str = "harden"  # harden: repair vulnerable blocks; annotate: leave the answer, report findings
    note: bool = False  # append a one-line note on the findings to the answer's text
    workers: int = 2  # requests worked on at once
    queue: int = 8  # requests waiting for a worker; more are answered 429
    keepalive: float = 5.0  # seconds between SSE keep-alive comments while a streamed answer is hardened


@dataclass(frozen=True)
class Answer:
    """The answer after hardening, ready to send."""

    text: str
    finish_reason: str
    report: HardenReport
    tokens: tuple[int, int]


class Gate:
    """Counts requests held (working or waiting); used from the event loop only."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def enter(self) -> bool:
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def leave(self) -> None:
        self.active = max(0, self.active - 1)


def error(status: int, message: str, kind: str, param: str | None = None, code: str | None = None) -> JSONResponse:
    return JSONResponse(protocol.error_body(message, kind, param, code), status_code=status)


def safegen_error(exc: SafegenError) -> tuple[int, dict[str, Any]]:
    """An error from the library as an HTTP status and OpenAI error body."""
    if isinstance(exc, BackendAuthError):
        return 401, protocol.error_body(str(exc), "authentication_error", code="upstream_auth")
    if isinstance(exc, BackendError):
        return 502, protocol.error_body(str(exc), "upstream_error", code="upstream_failed")
    return 500, protocol.error_body(str(exc), "server_error", code=type(exc).__name__)


class Proxy:
    """The shared state of the server: settings, the embedded backend or upstream, the hardener, the gate."""

    def __init__(self, settings: Settings, options: ServeOptions, hardener: Hardener | None = None) -> None:
        self.settings = settings
        self.options = options
        self.hardener = hardener or Hardener(settings)
        self.gate = Gate(options.workers + options.queue)
        self.pool = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="safegen-serve")
        self._embedded: LLMBackend | None = None
        self._closed = False
        self.defaults = GenerationParams(temperature=settings.temperature, top_p=settings.top_p,
                                         max_tokens=settings.max_tokens, seed=settings.seed)

    @property
    def model_name(self) -> str:
        if self.options.upstream:
            return self.settings.model or "upstream"
        from safegen.backends.models import DEFAULT_MODEL

        return self.settings.model or DEFAULT_MODEL

    def start(self) -> None:
        """Load the embedded model (when used) and the analyzers before the first request."""
        if not self.options.upstream:
            backend = self.embedded()
            load = getattr(backend, "load", None)
            if callable(load):
                load()
        self.hardener.warm_up()

    def embedded(self) -> LLMBackend:
        if self._embedded is None:
            from safegen.backends import create_backend

            self._embedded = create_backend(self.settings)
        return self._embedded

    def upstream_key(self, request: Request) -> str | None:
        """The proxy's own key when it has one, else the client's."""
        if self.settings.api_key:
            return self.settings.api_key
        auth = request.headers.get("authorization", "")
        return auth[7:].strip() or None if auth.lower().startswith("bearer ") else None

    def backend_for(self, model: str | None, key: str | None) -> LLMBackend:
        if not self.options.upstream:
            return self.embedded()
        from safegen.backends.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(self.options.upstream, model or self.model_name, api_key=key,
                                   timeout=self.settings.request_timeout, retries=self.settings.retries)

    def answer(self, req: protocol.ChatRequest, key: str | None) -> Answer:
        """Ask the model, then harden (or annotate) the answer's Python blocks. Runs in a worker thread."""
        backend = self.backend_for(req.model, key)
        try:
            completion = backend.complete(req.messages, req.params)[0]
            if self.options.mode == "annotate":
                text, report = self.hardener.annotate(completion.text)
            else:
                text, report = self.hardener.harden(completion.text, req.messages, backend)
        finally:
            if self.options.upstream:
                backend.close()
        if self.options.note and report.note():
            text = f"{text.rstrip()}\n\n{report.note()}"
        finish = completion.finish_reason if completion.finish_reason in _FINISH else "stop"
        return Answer(text, finish, report, (completion.prompt_tokens, completion.completion_tokens))

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``job`` on a worker; the gate is left when it ends, whether or not the client still waits."""
        loop = asyncio.get_running_loop()
        work = self.pool.submit(job)
        work.add_done_callback(lambda _: loop.call_soon_threadsafe(self.gate.leave))
        return asyncio.wrap_future(work, loop=loop)

    def close(self) -> None:
        """Stop taking work and close the tools; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.hardener.close()


async def _stream_answer(proxy: Proxy, future: asyncio.Future[Answer], cid: str, model: str,
                         include_usage: bool) -> AsyncIterator[bytes]:
    """Keep-alive comments until the hardened answer is ready, then the answer as chunks."""
    while not future.done():
        done, _ = await asyncio.wait({future}, timeout=proxy.options.keepalive)
        if not done:
            yield protocol.KEEP_ALIVE
    try:
        answer = future.result()
    except SafegenError as exc:
        yield protocol.sse(safegen_error(exc)[1])
        return
    yield protocol.sse(protocol.chunk(cid, model, {"role": "assistant", "content": ""}))
    yield protocol.sse(protocol.chunk(cid, model, {"content": answer.text}))
    yield protocol.sse(protocol.chunk(cid, model, {}, answer.finish_reason, answer.report.wire()))
    if include_usage:
        body = protocol.chunk(cid, model, {})
        body["choices"], body["usage"] = [], protocol.usage(*answer.tokens)
        yield protocol.sse(body)
    yield protocol.DONE


def create_app(settings: Settings, options: ServeOptions, *, proxy: Proxy | None = None) -> FastAPI:
    """The ASGI application."""
    proxy = proxy or Proxy(settings, options)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        proxy.close()

    app = FastAPI(title="safegen serve", lifespan=lifespan)
    app.state.proxy = proxy

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}", kind)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        return error(500, f"internal error: {type(exc).__name__}: {exc}", "server_error")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "mode": options.mode, "strategy": settings.strategy,
                "upstream": options.upstream, "model": proxy.model_name,
                "active": proxy.gate.active, "limit": proxy.gate.limit}

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        if options.upstream:
            return await relay.models(options.upstream, proxy.upstream_key(request), settings.request_timeout)
        return JSONResponse({"object": "list", "data": [
            {"id": proxy.model_name, "object": "model", "created": 0, "owned_by": "safegen"}]})

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        try:
            req = protocol.parse_request(await request.body(), proxy.defaults)
        except protocol.RequestError as exc:
            return error(400, exc.message, "invalid_request_error", exc.param)
        if not proxy.gate.enter():
            return error(429, f"safegen is busy: {proxy.gate.limit} requests are already being worked on or "
                              "waiting; retry later", "rate_limit_error", code="queue_full")
        key = proxy.upstream_key(request)
        cid, model = protocol.completion_id(), req.model or proxy.model_name
        if req.stream and options.mode == "annotate" and options.upstream:
            return StreamingResponse(relay.annotated_stream(proxy, req, key), media_type="text/event-stream")
        future = proxy.submit(lambda: proxy.answer(req, key))
        if req.stream:
            return StreamingResponse(_stream_answer(proxy, future, cid, model, req.include_usage),
                                     media_type="text/event-stream")
        try:
            answer = await asyncio.shield(future)
        except SafegenError as exc:
            status, body = safegen_error(exc)
            return JSONResponse(body, status_code=status)
        return JSONResponse(protocol.completion(cid, model, answer.text, answer.finish_reason,
                                                answer.report.wire(), answer.tokens))

    return app
