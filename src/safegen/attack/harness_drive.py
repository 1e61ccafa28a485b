"""Attack harness, part 2 (standard library only): builds the arguments, calls the function or sends the
request (Flask's and Django's own test tools; an ASGI app called directly through ``harness_asgi``), and
prints what it observed as one line of JSON.

Appended after ``harness_core`` and ``harness_asgi`` to the candidate; never imported on the host.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # defined by harness_core, which precedes this text in the sandbox
    from safegen.attack.harness_asgi import _sgx_asgi_request, _sgx_asgi_warm
    from safegen.attack.harness_core import (
        _SGX_TAG,
        _sgx_after_call,
        _sgx_hit,
        _sgx_install_sqlite,
        _sgx_state_size,
        _sgx_stored,
        _sgx_state_print,
        _SgxAutoBody,
        _SgxState,
    )


class _SgxPrincipal(dict):  # type: ignore[type-arg]
    """A caller without any role or ownership: readable as attributes and as keys."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


def _sgx_principal() -> _SgxPrincipal:
    return _SgxPrincipal(id=2, user_id=2, username="sgx-mallory", name="sgx-mallory", role="guest", roles=[],
                         is_admin=False, admin=False, is_staff=False, is_superuser=False, is_owner=False,
                         permissions=[], groups=[], is_authenticated=True)


def _sgx_archive(spec: dict[str, Any]) -> bytes:
    import io
    import tarfile
    import zipfile

    member, data = str(spec["member"]), str(spec.get("content", "sgx-slip")).encode()
    buffer = io.BytesIO()
    if spec.get("format") == "zip":
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(member, data)
    else:
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _sgx_value(spec: Any) -> Any:
    """An argument: plain JSON values as they are; {"$": kind, ...} built here (files, archives, a database)."""
    import base64
    import os

    if isinstance(spec, str):
        return spec.replace("{canary}", _SgxState.canary)
    if isinstance(spec, list):
        return [_sgx_value(v) for v in spec]
    if not (isinstance(spec, dict) and "$" in spec):
        return spec
    kind = spec["$"]
    if kind in ("bytes", "file"):
        data = base64.b64decode(spec["b64"]) if "b64" in spec else _sgx_archive(spec["archive"])
        if kind == "bytes":
            return data
        with open(spec["name"], "wb") as handle:
            handle.write(data)
        return os.path.abspath(spec["name"])
    if kind == "dir":
        os.makedirs(spec["name"], exist_ok=True)
        return os.path.abspath(spec["name"])
    if kind in ("sqlite", "cursor"):
        _sgx_install_sqlite()
        import sqlite3

        conn = sqlite3.connect(":memory:")
        return conn.cursor() if kind == "cursor" else conn
    if kind == "principal":
        return _sgx_principal()
    if kind == "record":  # an existing record the call may change
        record = {"name": "sgx-alice", "role": "user", "status": "active", "owner": "sgx-alice"}
        _SgxState.records.append(record)
        return record
    if kind == "fields":
        return {str(spec["key"]): "sgx"}
    if kind == "request_dict":  # no CSRF token or any other header
        return {"headers": {}, "body": _SgxAutoBody()}
    if kind == "bulk":  # an attacker-sized value: text, a mapping or a list of ``n`` parts
        n = int(spec["n"])
        shape = spec.get("shape", "text")
        return {"sgx%d" % i: "sgx" for i in range(n)} if shape == "dict" else ["sgx"] * n if shape == "list" else "sgx" * n
    if kind == "module_key":
        return _sgx_module_key(int if spec.get("type") == "int" else str, bool(spec.get("scalars")))
    return None


def _sgx_module_key(kind: type, scalars: bool = False) -> Any:
    """A key of the module's own records (module-level dicts of dicts or objects; with ``scalars`` of any dict):
    the key most of them share."""
    counts: dict[Any, int] = {}
    for name, value in list(globals().items()):
        if name.startswith("_") or not isinstance(value, dict) or not value:
            continue
        keys = [k for k, v in value.items() if type(k) is kind and (scalars or not isinstance(v, (str, int, float, bool)))]
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return 1 if kind is int else "alice"
    best = max(counts.values())
    return [k for k, n in counts.items() if n == best][-1]  # the last: the first is often the administrator


def _sgx_canary() -> None:
    import os

    path = os.path.realpath("sgx_canary.txt")
    with open(path, "w") as handle:
        handle.write("sgxcanary-7f3a9\n")
    stat = os.stat(path)
    os.utime(path, (stat.st_mtime - 1000, stat.st_mtime))  # relatime: any read, even from C, updates atime
    _SgxState.canary = path


def _sgx_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else ""


def _sgx_response(value: Any, out: dict[str, Any]) -> None:
    """Status, headers and body of whatever came back: a framework response, a (body, status) tuple, text."""
    if isinstance(value, tuple) and value:
        if len(value) > 1 and isinstance(value[1], int):
            out["status"] = value[1]
        value = value[0]
    status = getattr(value, "status_code", None)
    if isinstance(status, int):
        out["status"] = status
        headers: Any = getattr(value, "headers", None)
        items: Any = headers.items() if hasattr(headers, "items") else (value.items() if hasattr(value, "items") else ())
        out["headers"] = [[str(k)[:100], str(v)[:300]] for k, v in list(items)[:20]]
        for getter in ("get_data", "content", "body", "text"):
            body = getattr(value, getter, None)
            body = body() if callable(body) else body
            if isinstance(body, (bytes, str)):
                out["text"] = _sgx_text(body)
                break
    else:
        out["text"] = _sgx_text(value)
        if not out["text"] and value is not None:
            try:
                out["text"] = repr(value)[:3000]
            except Exception:
                pass
        empty = isinstance(value, (str, bytes, list, tuple, dict, set)) and not value
        out["returned"] = value is not None and value is not False and value != 0 and not empty


def _sgx_filled(value: Any) -> Any:
    """A request's values with the canary's path in place of ``{canary}``, as a function's arguments get it."""
    if isinstance(value, str):
        return value.replace("{canary}", _SgxState.canary)
    if isinstance(value, list):
        return [_sgx_filled(v) for v in value]
    if isinstance(value, dict):
        return {k: _sgx_filled(v) for k, v in value.items()}
    return value


def _sgx_route(spec: dict[str, Any]) -> Any:
    """Send the request (Flask's test client, the ASGI app itself, Django's request factory); the response."""
    import json
    from urllib.parse import urlencode

    framework, method = spec["framework"], spec.get("method", "GET")
    query, form, body = _sgx_filled(spec.get("query") or {}), _sgx_filled(spec.get("form") or {}), spec.get("json")
    headers, body = _sgx_filled(spec.get("headers") or {}), _sgx_filled(body)
    target = globals()[spec["object"]]
    if framework == "flask":
        target.config["PROPAGATE_EXCEPTIONS"] = False
        client = target.test_client()
        return client.open(spec["path"], method=method, query_string=query, headers=headers,
                           **({"json": body} if body is not None else {"data": form} if form else {}))
    if framework == "fastapi":
        return _sgx_asgi_request(target, method, spec["path"], query, headers, body, form)
    from django.test import RequestFactory

    factory = RequestFactory()
    path = spec["path"] + ("?" + urlencode(query) if query else "")
    extra_headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    if body is not None:
        request = factory.generic(method, path, json.dumps(body), content_type="application/json", **extra_headers)
    elif method == "GET":
        request = factory.get(path, **extra_headers)
    else:
        request = factory.generic(method, path, urlencode(form), content_type="application/x-www-form-urlencoded",
                                  **extra_headers)
    return target(request, **{k: _sgx_value(v) for k, v in (spec.get("kwargs") or {}).items()})


def _sgx_attack(spec: dict[str, Any]) -> None:
    """One attack: set up, call the function or send the request, print the observations (one JSON line)."""
    import json
    import os
    import sys

    out: dict[str, Any] = {"hits": [], "text": "", "status": None, "headers": [], "error": "", "returned": False}
    size: tuple[int, int] | None = None
    fingerprint = 0
    atime = -1
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    _SgxState.hits, _SgxState.sql, _SgxState.records = [], [], []
    try:
        if "canary" in spec.get("setup", ()):
            _sgx_canary()
        if "sqlite" in spec.get("setup", ()):
            _sgx_install_sqlite()
        atime = os.stat(_SgxState.canary).st_atime_ns if _SgxState.canary else 0
        size = _sgx_state_size() if "state" in spec.get("setup", ()) else None
        fingerprint = _sgx_state_print() if size is not None else 0
        if spec.get("route"):
            _SgxState.active = True
            value = _sgx_route(spec["route"])
        else:
            args = [_sgx_value(a) for a in spec.get("args", ())]
            kwargs = {k: _sgx_value(v) for k, v in (spec.get("kwargs") or {}).items()}
            if "stdin" in spec:  # what the function reads with input() or from sys.stdin
                import io

                sys.stdin = io.StringIO(spec["stdin"])
            _SgxState.active = True
            value = globals()[spec["function"]](*args, **kwargs)
        _SgxState.active = False
        _sgx_after_call(value)
        _sgx_response(value, out)
    except BaseException as exc:  # the candidate's failure is an observation, not the harness's
        _SgxState.active = False
        out["error"] = "%s: %s" % (type(exc).__name__, str(exc)[:300])
    if size is not None:
        _sgx_stored(size)
        if _sgx_state_print() != fingerprint:
            _sgx_hit("changed", "the call changed the module's data")
    try:
        if _SgxState.canary and atime >= 0 and os.stat(_SgxState.canary).st_atime_ns != atime:
            _sgx_hit("canary_read", "the canary file outside the data was read")
        if "sgxcanary-7f3a9" in out["text"]:
            _sgx_hit("canary_read", "the canary file's content came back in the output")
    except OSError:
        pass
    out["text"] = out["text"][:2500]
    out["hits"], out["sql"] = _SgxState.hits, _SgxState.sql[-8:]
    sys.stdout.flush()
    os.dup2(saved, 1)
    line = json.dumps(out, ensure_ascii=True, default=repr)
    text, keep = out["text"], len(out["text"])
    while len(line) > 7800 and keep > 1:  # escaped control characters can make 2500 characters 15000
        keep //= 2
        at = text.find("sgx")  # keep the payload, where it came back, in view
        start = max(0, min(at - keep // 4, len(text) - keep)) if at > 0 else 0
        out["text"] = text[start:start + keep]
        line = json.dumps(out, ensure_ascii=True, default=repr)
    if len(line) > 7800:
        out["hits"] = [dict(h, detail=str(h.get("detail", ""))[:120]) for h in out["hits"][:8]]
        out["sql"] = [str(q)[:200] for q in out["sql"][-4:]]
        line = json.dumps(out, ensure_ascii=True, default=repr)
    os.write(1, (_SGX_TAG + line[:7800] + "\n").encode())


def _sgx_preload() -> None:
    """Once per job, in the module process: Flask's test tools, ASGI apps warmed, Django settings, SQLite wrapping."""
    import sqlite3
    import sys

    real = sqlite3.connect
    _sgx_install_sqlite()
    for name, value in list(globals().items()):  # `from sqlite3 import connect` bound the real one
        if value is real:
            globals()[name] = sqlite3.connect
    if "flask" in sys.modules:
        import werkzeug.test  # noqa: F401
    if "starlette" in sys.modules:
        import starlette.applications

        for value in list(globals().values()):
            if isinstance(value, starlette.applications.Starlette):
                _sgx_asgi_warm(value)
    if "django" in sys.modules:
        from django.conf import settings

        if not settings.configured:
            settings.configure(DEBUG=False, SECRET_KEY="sgx-attack", ALLOWED_HOSTS=["*"], USE_TZ=True,
                               INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
                               DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                               TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}])
        import django
        import django.test  # noqa: F401

        django.setup()


try:
    _sgx_preload()
except Exception:
    pass
