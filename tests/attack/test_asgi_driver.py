"""The harness's ASGI driver sends FastAPI what Starlette's TestClient sends, and reads back the same response.

Both drive one real FastAPI app (sync and async handlers, forms, JSON, redirects, errors, gzip, streaming,
HEAD) with the requests the probes build; status, headers and body must be identical.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.testclient import TestClient

from safegen.attack import PROBES
from safegen.attack.harness_asgi import _sgx_asgi_request, _sgx_asgi_warm
from safegen.attack.inputs import route_plans
from safegen.attack.targets import RouteTarget, find_targets


def make_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=200)

    @app.api_route("/echo/{item:path}", methods=["GET", "POST", "HEAD"])
    async def echo(item: str, request: Request) -> dict[str, Any]:
        return {"item": item, "path": request.url.path, "raw_path": request.scope["raw_path"].decode(),
                "query": list(request.query_params.multi_items()), "headers": request.headers.items(),
                "body": (await request.body()).decode("utf-8", "replace"), "client": list(request.client or ())}

    @app.post("/form")
    async def form(request: Request) -> dict[str, Any]:
        return {"form": list((await request.form()).multi_items())}

    @app.get("/go")
    def go(next: str = "/") -> RedirectResponse:
        return RedirectResponse(next)

    @app.get("/page", response_class=HTMLResponse)
    def page(name: str = "") -> str:
        return f"<html><body>{name}</body></html>" + " " * 300  # long enough to be gzipped

    @app.get("/cookie")
    def cookie(name: str = "") -> Response:
        response = PlainTextResponse("ok")
        response.set_cookie("first", "1")
        response.headers.append("set-cookie", f"second={name[:20]}")
        return response

    @app.get("/boom")
    def boom(q: str = "") -> str:
        raise ValueError(q)

    @app.get("/stream")
    def stream(q: str = "") -> StreamingResponse:
        return StreamingResponse(iter([b"one ", q.encode(), b" three"]), media_type="text/plain")

    return app


SOURCE = '''
from fastapi import FastAPI
app = FastAPI()

@app.get("/echo/{item:path}")
def echo(item: str, q: str = ""):
    return q

@app.post("/echo/{item}")
def echo_post(item: str, request):
    data = request.json()
    return data["next"] + request.headers["x-name"]
'''
TEXT_PAYLOADS = tuple(str(p) for probe in PROBES if probe.kind == "text" for p in probe.payloads if len(str(p)) < 500)


def requests() -> list[tuple[str, dict[str, Any]]]:
    """The probes' requests for two routes (a path parameter, query, JSON, headers), and hand-made ones."""
    found: list[tuple[str, dict[str, Any]]] = []
    for target in find_targets(SOURCE):
        assert isinstance(target, RouteTarget)
        probe = next(p for p in PROBES if p.id == "path-traversal")
        for plan in route_plans(probe, target, TEXT_PAYLOADS):
            found.append((plan.shown[:60], plan.spec["route"]))
    def made(method: str, path: str, **extra: Any) -> None:
        found.append((f"{method} {path}", {"method": method, "path": path, **extra}))
    made("POST", "/form", form={"a": "é <&+ ", "b": "x"})
    made("GET", "/form", form={"a": "b"})  # a form on GET is not sent
    made("POST", "/echo/x/./y/../z", json={"next": "//sgx", "n": [1, None]}, headers={"User-Agent": "sgx"})
    made("HEAD", "/echo/a")
    made("GET", "/go", query={"next": "https://sgx-attacker.example/sgx"})
    made("GET", "/page", query={"name": "<script>sgx_xss()</script>"})
    made("GET", "/cookie", query={"name": "sgx"})
    made("GET", "/boom", query={"q": "sgx"})
    made("GET", "/stream", query={"q": "two"})
    made("GET", "/missing")
    return found


CASES = requests()


@pytest.fixture(scope="module")
def app() -> FastAPI:
    made = make_app()
    _sgx_asgi_warm(made)
    return made


@pytest.mark.parametrize("spec", [spec for _, spec in CASES], ids=[name for name, _ in CASES])
def test_the_asgi_driver_matches_the_test_client(app: FastAPI, spec: dict[str, Any]) -> None:
    method, query, headers = spec["method"], spec.get("query") or {}, spec.get("headers") or {}
    body, form = spec.get("json"), spec.get("form") or {}
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    extra = {"json": body} if body is not None else ({"data": form} if form and method != "GET" else {})
    expected = client.request(method, spec["path"], params=query, headers=headers, **extra)
    got = _sgx_asgi_request(app, method, spec["path"], query, headers, body, form)
    if unquote(unquote(spec["path"])) != unquote(spec["path"]):
        # TestClient decodes the path twice (starlette #2587); servers, and this driver, decode it once
        assert got.status_code == expected.status_code == 200
        assert json.loads(got.content)["path"] == unquote(spec["path"]) != json.loads(expected.content)["path"]
        return
    assert (got.status_code, list(got.headers.items()), got.content) == \
        (expected.status_code, list(expected.headers.items()), expected.content)
