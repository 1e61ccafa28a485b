"""Talking to an upstream server directly: its model list, and its stream passed through (annotate mode)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
from fastapi.responses import JSONResponse, Response

from safegen.serve import protocol

if TYPE_CHECKING:
    from safegen.serve.app import Proxy

_END = None


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _failure(url: str, detail: str) -> dict[str, Any]:
    return protocol.error_body(f"the upstream server at {url} failed: {detail}", "upstream_error",
                               code="upstream_failed")


async def models(upstream: str, key: str | None, timeout: float) -> Response:
    """The upstream's model list as it sent it; 502 when it cannot be had."""
    url = f"{upstream.rstrip('/')}/models"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url, headers=_headers(key))
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return JSONResponse(_failure(url, str(exc) or type(exc).__name__), status_code=502)
    return JSONResponse(body, status_code=response.status_code if response.status_code < 500 else 502)


async def _pump(proxy: Proxy, req: protocol.ChatRequest, key: str | None,
                out: asyncio.Queue[bytes | None]) -> None:
    """Pass the upstream's events on, keep the answer's text, then add the findings as a last chunk."""
    assert proxy.options.upstream is not None
    url = f"{proxy.options.upstream.rstrip('/')}/chat/completions"
    parts: list[str] = []
    cid, model = protocol.completion_id(), req.model or proxy.model_name
    try:
        timeout = httpx.Timeout(proxy.settings.request_timeout, connect=10.0)
        async with httpx.AsyncClient(timeout=timeout) as client, \
                client.stream("POST", url, json={**req.raw, "stream": True}, headers=_headers(key)) as resp:
            if resp.status_code != 200:
                detail = (await resp.aread()).decode("utf-8", "replace")[:500]
                await out.put(protocol.sse(_failure(url, f"HTTP {resp.status_code}: {detail}")))
                return
            async for line in resp.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    event = json.loads(data)
                except ValueError:
                    continue
                cid, model = event.get("id", cid), event.get("model", model)
                for choice in event.get("choices") or []:
                    parts.append(str((choice.get("delta") or {}).get("content") or ""))
                await out.put(protocol.sse(event))
    except httpx.HTTPError as exc:
        await out.put(protocol.sse(_failure(url, str(exc) or type(exc).__name__)))
        return
    _, report = await asyncio.wrap_future(proxy.pool.submit(proxy.hardener.annotate, "".join(parts)))
    if proxy.options.note and report.note():
        await out.put(protocol.sse(protocol.chunk(cid, model, {"content": "\n\n" + report.note()})))
    last = protocol.chunk(cid, model, {}, extra=report.wire())
    last["choices"] = []
    await out.put(protocol.sse(last))
    await out.put(protocol.DONE)


_RUNNING: set[asyncio.Task[None]] = set()  # a task is only weakly held by the loop


def annotated_stream(proxy: Proxy, req: protocol.ChatRequest, key: str | None) -> AsyncIterator[bytes]:
    """The upstream's stream as it comes, then the findings. The relay starts now, so the gate is left when
    the upstream is done even if the client never reads a byte; a client that goes away stops it."""
    out: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def run() -> None:
        try:
            await _pump(proxy, req, key, out)
        finally:
            proxy.gate.leave()
            out.put_nowait(_END)

    task = asyncio.get_running_loop().create_task(run())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return _drain(out, task)


async def _drain(out: asyncio.Queue[bytes | None], task: asyncio.Task[None]) -> AsyncIterator[bytes]:
    try:
        while (item := await out.get()) is not _END:
            assert item is not None
            yield item
    finally:
        if not task.done():
            task.cancel()
