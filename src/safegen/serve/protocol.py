"""The OpenAI chat-completions wire format: checking a request, building completions, chunks and errors."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from safegen.backends.interface import ChatMessage, GenerationParams

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
MAX_BODY = 2_000_000


class RequestError(Exception):
    """A malformed request: answered 400 with an OpenAI-shaped error naming the parameter."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True)
class ChatRequest:
    """A checked chat-completions request."""

    model: str | None
    messages: tuple[ChatMessage, ...]
    params: GenerationParams
    stream: bool = False
    include_usage: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # the body as sent, for a pass-through to an upstream


def _text(content: Any, where: str) -> str:
    """A message's content as text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise RequestError(f"{where}[{i}] must be a text part ({{'type': 'text', 'text': ...}})",
                                   f"{where}[{i}]")
            parts.append(part["text"])
        return "\n".join(parts)
    raise RequestError(f"{where} must be a string or a list of text parts", where)


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RequestError(f"{name} must be a number from {low} to {high}", name)
    return float(value)


def _integer(body: dict[str, Any], name: str, low: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise RequestError(f"{name} must be an integer of at least {low}", name)
    return value


def _messages(body: dict[str, Any]) -> tuple[ChatMessage, ...]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise RequestError("messages must be a non-empty list of {role, content} objects", "messages")
    out = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise RequestError(f"messages[{i}] must be an object", f"messages[{i}]")
        role = message.get("role")
        if role not in ROLES:
            raise RequestError(f"messages[{i}].role must be one of {', '.join(sorted(ROLES))}",
                               f"messages[{i}].role")
        out.append(ChatMessage("system" if role == "developer" else str(role),
                               _text(message.get("content"), f"messages[{i}].content")))
    return tuple(out)


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return tuple(stop)
    raise RequestError("stop must be a string or a list of at most 4 strings", "stop")


def parse_request(data: bytes, defaults: GenerationParams) -> ChatRequest:
    """The checked request, or RequestError (bad JSON, missing messages, values out of range, n > 1)."""
    if len(data) > MAX_BODY:
        raise RequestError(f"the request body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise RequestError("model must be a string", "model")
    n = _integer(body, "n", 1)
    if n is not None and n > 1:
        raise RequestError("n > 1 is not supported: each answer is hardened separately; send n requests", "n")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("stream must be true or false", "stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise RequestError("stream_options must be an object", "stream_options")
    temperature = _number(body, "temperature", 0.0, 2.0)
    top_p = _number(body, "top_p", 0.0, 1.0)
    max_tokens = _integer(body, "max_completion_tokens", 1) or _integer(body, "max_tokens", 1)
    seed = _integer(body, "seed", -(2 ** 63))
    params = GenerationParams(
        n=1, temperature=defaults.temperature if temperature is None else temperature,
        top_p=defaults.top_p if top_p is None else top_p,
        max_tokens=defaults.max_tokens if max_tokens is None else max_tokens,
        stop=_stop(body), seed=defaults.seed if seed is None else seed)
    return ChatRequest(model=model, messages=_messages(body), params=params, stream=stream,
                       include_usage=bool(options.get("include_usage")), raw=body)


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion(cid: str, model: str, text: str, finish_reason: str, extra: dict[str, Any],
               tokens: tuple[int, int]) -> dict[str, Any]:
    """A whole chat completion with the ``safegen`` field."""
    return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish_reason, "logprobs": None}],
            "usage": usage(*tokens), "safegen": extra}


def chunk(cid: str, model: str, delta: dict[str, Any], finish_reason: str | None = None,
          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One ``chat.completion.chunk``; the last one carries the ``safegen`` field."""
    body: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                            "model": model,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                                         "logprobs": None}]}
    if extra is not None:
        body["safegen"] = extra
    return body


def sse(data: dict[str, Any] | str) -> bytes:
    """One server-sent event."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


KEEP_ALIVE = b": keep-alive\n\n"
DONE = sse("[DONE]")


def error_body(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """The OpenAI error object."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
