"""Attack harness, ASGI part (standard library only): one request to an ASGI app (FastAPI, Starlette) by calling
it with scope, receive and send on a fresh asyncio loop.

The request is the one Starlette's TestClient sends (its default headers, httpx's query, form and JSON
encodings and dot-segment removal, redirects not followed, server errors as responses), without the thread
and event-loop portal that client starts per request (about 28 ms a request against 2 ms). Appended to the
candidate before ``harness_drive``; it binds only ``_sgx`` names, and it imports nothing beyond the standard
library, so the host may import it too (tests compare it with the TestClient).
"""

from typing import Any

_SGX_ASGI_HEADERS = (("host", "testserver"), ("accept", "*/*"), ("accept-encoding", "gzip, deflate"),
                     ("connection", "keep-alive"), ("user-agent", "testclient"))


class _SgxAsgiResponse:
    """What came back, shaped as the harness reads a framework response: status, headers, decoded body."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers  # lower-case names, repeated headers joined by ", " (as httpx's items())
        self.content = content


def _sgx_asgi_path(path: str) -> str:
    """The path with "." and ".." segments dropped, as httpx normalizes a URL's path."""
    parts = path.split("/")
    if "." not in parts and ".." not in parts:
        return path
    kept: list[str] = []
    for part in parts:
        if part == "..":
            if kept and kept != [""]:
                kept.pop()
        elif part != ".":
            kept.append(part)
    return "/".join(kept)


def _sgx_asgi_decode(body: bytes, encoding: str) -> bytes:
    """The body without its gzip/deflate content encoding (the only ones the request accepts)."""
    import zlib

    for name in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        if name == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif name == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def _sgx_asgi_scope(method: str, path: str, query: dict[str, Any], headers: dict[str, str],
                    body: bytes, content_type: str) -> dict[str, Any]:
    from urllib.parse import quote, unquote, urlencode

    raw_path = _sgx_asgi_path(quote(path, safe="/%:@!$&'()*+,;=[]~"))
    merged = dict(_SGX_ASGI_HEADERS)
    for name, value in headers.items():  # a header given replaces the default one and goes last, as in httpx
        merged.pop(name.lower(), None)
        merged[name.lower()] = value
    if body or content_type:
        merged["content-length"] = str(len(body))
        merged["content-type"] = content_type
    return {"type": "http", "http_version": "1.1",
            "method": method, "path": unquote(raw_path), "raw_path": raw_path.encode("ascii"), "root_path": "",
            "scheme": "http", "query_string": urlencode(query, doseq=True).encode("ascii"),
            "headers": [(k.encode("latin-1"), v.encode("utf-8")) for k, v in merged.items()],
            "client": ("testclient", 50000), "server": ["testserver", 80],
            "extensions": {"http.response.debug": {}, "http.response.trailers": {}}, "state": {}}


async def _sgx_asgi_call(app: Any, scope: dict[str, Any], body: bytes) -> tuple[int, list[Any], bytes]:
    """Run the app to the end of its response; (status, raw headers, body). An error before any response is
    a 500 without headers or body, an error after it leaves what was sent (the TestClient's
    ``raise_server_exceptions=False``)."""
    import asyncio

    done = asyncio.Event()
    sent = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await done.wait()  # the client is still there until the response is complete
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start" and not start:
            start.update(message)
        elif kind == "http.response.body" and start and not done.is_set():
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False) and not start.get("trailers", False):
                done.set()
        elif kind == "http.response.trailers" and not message.get("more_trailers", False):
            done.set()

    try:
        await app(scope, receive, send)
    except Exception:
        pass
    finally:
        done.set()
    if not start:
        return 500, [], b""
    return int(start["status"]), list(start.get("headers", [])), b"".join(chunks)


def _sgx_asgi_request(app: Any, method: str, path: str, query: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None, json_body: Any = None,
                      form: dict[str, Any] | None = None) -> _SgxAsgiResponse:
    """Send one request to ``app``: a JSON body, else a form (never on GET), else none."""
    import asyncio
    import json
    from urllib.parse import urlencode

    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        content_type = "application/json"
    elif form and method != "GET":
        body, content_type = urlencode(form, doseq=True).encode("ascii"), "application/x-www-form-urlencoded"
    else:
        body, content_type = b"", ""
    scope = _sgx_asgi_scope(method, path, query or {}, headers or {}, body, content_type)
    status, raw, content = asyncio.run(_sgx_asgi_call(app, scope, body))
    merged: dict[str, str] = {}
    for key, value in raw:
        name, text = bytes(key).decode("latin-1").lower(), bytes(value).decode("utf-8", "replace")
        merged[name] = merged[name] + ", " + text if name in merged else text
    if "content-encoding" in merged and content:
        try:
            content = _sgx_asgi_decode(content, merged["content-encoding"])
        except Exception:
            pass
    return _SgxAsgiResponse(status, merged, b"" if method == "HEAD" else content)


def _sgx_asgi_warm(app: Any) -> None:
    """Before the forks: the app's middleware stack built (Starlette builds it on the first request) and the
    modules a request imports on first use, so that no request pays for them."""
    import asyncio  # noqa: F401
    import json  # noqa: F401
    import zlib  # noqa: F401
    from urllib.parse import urlencode  # noqa: F401

    if getattr(app, "middleware_stack", 0) is None and callable(getattr(app, "build_middleware_stack", None)):
        app.middleware_stack = app.build_middleware_stack()
    try:
        import anyio._backends._asyncio  # noqa: F401  # sync endpoints run in anyio's worker threads
        import anyio.to_thread  # noqa: F401
    except ImportError:
        pass
