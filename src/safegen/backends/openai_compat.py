"""Any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp server) over HTTP."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx

from safegen.backends.interface import (
    ChatMessage,
    Completion,
    GenerationParams,
    LLMBackend,
)
from safegen.config import Settings
from safegen.errors import BackendAuthError, BackendError, ConfigError

__all__ = ["OpenAICompatBackend"]

_KEY_HINT = "check SAFEGEN_API_KEY (or OPENAI_API_KEY, --api-key)"
_MAX_BACKOFF = 30.0


class _Retryable(Exception):
    """A failure worth retrying (connection refused, 429, 5xx), with the error to raise if retries run out."""

    def __init__(self, error: BackendError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class OpenAICompatBackend(LLMBackend):
    """Chat completions over HTTP with timeouts and bounded, exponentially backed-off retries."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120.0,
                 retries: int = 3, backoff: float = 0.5, continue_answers: bool = False) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"invalid base URL {base_url!r}",
                              hint="use a URL like http://127.0.0.1:8000/v1 (SAFEGEN_BASE_URL or --base-url)")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        # The server continues a final assistant message: vLLM with the two request fields sent below,
        # llama.cpp's server by itself. OpenAI's API does not, so this is the user's opt-in.
        self.continues_answers = continue_answers
        self._client: httpx.Client | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatBackend:
        if settings.lora:
            raise ConfigError(f"the openai backend cannot apply the LoRA adapter {settings.lora}",
                              hint="LoRA adapters run only with --backend local; load the adapter in the server "
                                   "instead, or drop --lora (SAFEGEN_LORA, lora in [tool.safegen])")
        if not settings.base_url:
            raise ConfigError("the openai backend needs the server's base URL",
                              hint="pass --base-url (or set SAFEGEN_BASE_URL, or base_url in [tool.safegen]), "
                                   "e.g. http://127.0.0.1:8000/v1")
        if not settings.model:
            raise ConfigError("the openai backend needs a model name",
                              hint="pass --model (or set SAFEGEN_MODEL), e.g. --model gpt-4o-mini")
        return cls(settings.base_url, settings.model, api_key=settings.api_key,
                   timeout=settings.request_timeout, retries=settings.retries,
                   continue_answers=settings.continue_answers)

    @property
    def model_id(self) -> str:
        return f"{self.model} @ {self.base_url}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _http(self) -> httpx.Client:
        if self._client is None:
            headers = {"Content-Type": "application/json"}
            if self.api_key:
                headers["Authorization"] = f"Bearer {self.api_key}"
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                                        headers=headers)
        return self._client

    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        """``params.n`` completions; if the server returns fewer choices than asked, ask again for the rest."""
        out: list[Completion] = []
        for _ in range(params.n):  # each round yields at least one choice, so n rounds always suffice
            if len(out) >= params.n:
                break
            wanted = params.n - len(out)
            seed = None if params.seed is None else params.seed + len(out)
            out.extend(self._request(messages, params, wanted, seed)[:wanted])
        return out

    def _payload(self, messages: Sequence[ChatMessage], params: GenerationParams, n: int,
                 seed: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages]
                        + ([{"role": "assistant", "content": params.prefix}] if params.prefix else []),
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "n": n,
        }
        if params.stop:
            payload["stop"] = list(params.stop)[:4]  # the OpenAI API accepts at most four
        if seed is not None:
            payload["seed"] = seed
        if params.prefix:  # vLLM's names for "continue the last message" (other servers ignore them)
            payload.update(continue_final_message=True, add_generation_prompt=False)
        return payload

    def _request(self, messages: Sequence[ChatMessage], params: GenerationParams, n: int,
                 seed: int | None) -> list[Completion]:
        payload = self._payload(messages, params, n, seed)
        for attempt in range(self.retries + 1):
            start = time.perf_counter()
            try:
                data = self._post_once(payload)
            except _Retryable as failure:
                if attempt == self.retries:
                    raise failure.error from None
                delay = self.backoff * (2 ** attempt)
                if failure.retry_after is not None:
                    delay = max(delay, failure.retry_after)
                time.sleep(min(delay, _MAX_BACKOFF))
                continue
            return self._completions(data, time.perf_counter() - start, params.prefix)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post_once(self, payload: dict[str, Any]) -> Any:
        try:
            response = self._http().post(self.url, json=payload)
        except httpx.ConnectError as exc:
            raise _Retryable(BackendError(
                f"cannot reach the model server at {self.url}: {exc}",
                hint="start the server or fix the base URL (--base-url / SAFEGEN_BASE_URL)")) from None
        except httpx.ConnectTimeout:
            raise _Retryable(BackendError(
                f"connecting to {self.url} timed out",
                hint="check the base URL and your network (--base-url / SAFEGEN_BASE_URL)")) from None
        except httpx.TimeoutException:
            raise BackendError(f"{self.url} did not answer within {self.timeout:g}s",
                               hint="raise request_timeout (SAFEGEN_REQUEST_TIMEOUT) or lower --max-tokens"
                               ) from None
        except httpx.HTTPError as exc:
            raise BackendError(f"request to {self.url} failed: {exc}",
                               hint="check the base URL (--base-url / SAFEGEN_BASE_URL)") from None
        status = response.status_code
        if status in (401, 403):
            raise BackendAuthError(f"{self.url} rejected the API key (HTTP {status}): {_server_message(response)}",
                                   hint=_KEY_HINT)
        if status == 429 or status >= 500:
            raise _Retryable(
                BackendError(f"{self.url} answered HTTP {status}: {_server_message(response)}",
                             hint="the server is overloaded or failing; retry later or raise retries "
                                  "(SAFEGEN_RETRIES)"),
                retry_after=_retry_after(response))
        if status == 404:
            raise BackendError(f"{self.url} answered HTTP 404: {_server_message(response)}",
                               hint="check the base URL (it usually ends in /v1) and the model name")
        if status >= 400:
            raise BackendError(f"{self.url} refused the request (HTTP {status}): {_server_message(response)}",
                               hint="check the model name and the generation options")
        try:
            return response.json()
        except ValueError:
            raise BackendError(f"{self.url} answered with something that is not JSON",
                               hint="check that the base URL points at an OpenAI-compatible API") from None

    def _completions(self, data: Any, seconds: float, prefix: str = "") -> list[Completion]:
        """Turn a response body into completions; request-level usage and time are split evenly.

        With a ``prefix``, each text starts with it (servers answer with the continuation, some with both)."""
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices:
            raise BackendError(f"{self.url} returned no choices",
                               hint="check that the base URL points at an OpenAI-compatible chat API")
        usage = data.get("usage") or {}
        prompt_tokens = _int(usage.get("prompt_tokens"))
        completion_tokens = _int(usage.get("completion_tokens"))
        details = usage.get("prompt_tokens_details") or {}
        cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
        k = len(choices)
        out = []
        for i, choice in enumerate(choices):
            message = choice.get("message") if isinstance(choice, dict) else None
            if not isinstance(message, dict):
                raise BackendError(f"{self.url} returned a choice without a message",
                                   hint="check that the base URL points at a chat-completions API")
            content = str(message.get("content") or "")
            out.append(Completion(
                text=content if content.startswith(prefix) else prefix + content,
                prompt_tokens=(prompt_tokens - cached) if i == 0 else 0,
                completion_tokens=completion_tokens // k + (1 if i < completion_tokens % k else 0),
                seconds=seconds / k,
                finish_reason=str(choice.get("finish_reason") or "stop"),
                cached_prompt_tokens=cached if i == 0 else 0,
            ))
        return out

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _server_message(response: httpx.Response) -> str:
    """The error text a server put in its body, shortened to one line."""
    try:
        body = response.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        text = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        text = response.text
    line = " ".join(str(text).split())
    return line[:300] or response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None
