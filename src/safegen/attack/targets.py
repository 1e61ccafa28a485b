"""What to attack in a module, read from its source (never executed): plain functions, web routes
(Flask, FastAPI, Django views) with the request parameters they read, and the sink names the code uses."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from safegen import astutil
from safegen.attack.usage import compared_literals, inferred, request_params
from safegen.fuzz.signature import Param, parse_signature

ROUTE_METHODS = ("route", "get", "post", "put", "delete", "patch", "api_route")
# Request attributes whose keys are the inputs a handler reads: Flask, Django and Starlette spellings.
_REQUEST_SOURCES = {"args": "query", "values": "query", "GET": "query", "query_params": "query",
                    "form": "form", "POST": "form", "files": "form", "json": "json", "get_json": "json",
                    "data": "json", "headers": "headers", "META": "headers", "cookies": "headers",
                    "COOKIES": "headers", "path_params": "path"}
# Names sent on every request as well, for handlers that read a key the code builds at run time.
FALLBACK_NAMES = ("q", "name", "url", "next", "file", "filename", "path", "cmd", "host", "id", "data", "input",
                  "user", "username", "expr", "xml", "payload", "target", "query", "text", "comment", "message")
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class FunctionTarget:
    """A plain function, attacked by calling it with payloads in its parameters."""

    name: str
    params: tuple[Param, ...]
    line: int
    optional: tuple[Param, ...] = ()  # parameters with defaults, passed by name when a probe sets one
    requests: tuple[str, ...] = ()  # parameters read as an HTTP request in a dict ("headers", "body")
    compared: tuple[tuple[str, str], ...] = ()  # (parameter, text) the body compares it with: role names, ...
    reads_stdin: bool = False  # the body reads standard input (input(), sys.stdin): the payload comes that way too

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class RouteTarget:
    """A web handler, attacked as requests through its framework's test client."""

    framework: str  # "flask", "fastapi" or "django"
    obj: str  # the app (flask, fastapi) or the view function (django) in the module's namespace
    function: str
    path: str
    method: str
    line: int
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    json: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    path_params: tuple[str, ...] = ()  # names in the URL rule (Flask/FastAPI) or view parameters (Django)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.function})"


Target = FunctionTarget | RouteTarget


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain on a name, "" for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def sink_names(tree: ast.Module) -> set[str]:
    """Imported modules and names, and every dotted name the code reads (``os.system``, ``cur.execute``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.update(alias.name for alias in node.names)
        elif isinstance(node, (ast.Attribute, ast.Name)):
            text = dotted(node)
            if text:
                names.add(text)
                names.add(text.rsplit(".", 1)[-1])
    names.discard("")
    return names


def own_words(tree: ast.Module) -> str:
    """What the code says it is for, where no requirement does: the module's docstring and the names and
    docstrings of its functions and classes (``render_greeting``: "render greeting")."""
    parts = [ast.get_docstring(tree) or ""]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            parts += [node.name, ast.get_docstring(node) or ""]
    return "\n".join(part for part in parts if part)


def purpose_words(tree: ast.Module, target: Target) -> str:
    """What one target says it is for: its function's name and docstring (a route: its handler's)."""
    name = target.name if isinstance(target, FunctionTarget) else target.function
    short = name.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == short:
            return f"{name}\n{ast.get_docstring(node) or ''}"
    return name


def _apps(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to Flask(...) / FastAPI(...) / Blueprint(...) / APIRouter(...) -> framework."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = dotted(node.value.func).rsplit(".", 1)[-1]
            framework = {"Flask": "flask", "FastAPI": "fastapi"}.get(called)
            for target in node.targets:
                if framework and isinstance(target, ast.Name):
                    found[target.id] = framework
    return found


def _request_keys(function: astutil.FunctionNode) -> dict[str, set[str]]:
    """The keys a handler reads from the request, by where they come from (query, form, json, headers)."""
    keys: dict[str, set[str]] = {"query": set(), "form": set(), "json": set(), "headers": set()}
    json_names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if dotted(node.value.func).endswith(("get_json", ".json")):
                json_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        key: str | None = None
        holder: ast.AST | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist"):
            key, holder = (_const_str(node.args[0]) if node.args else None), node.func.value
        elif isinstance(node, ast.Subscript):
            key, holder = _const_str(node.slice), node.value
        if key is None or holder is None:
            continue
        if isinstance(holder, ast.Call):
            holder = holder.func
        name = dotted(holder)
        source = _REQUEST_SOURCES.get(name.rsplit(".", 1)[-1]) if "." in name else None
        if name in json_names:
            source = "json"
        if source in keys:
            keys[source].add(key)
    return keys


def _route_decorator(node: ast.expr, apps: dict[str, str]) -> tuple[str, str, str, str] | None:
    """(app name, framework, path, method) for ``@app.route("/p", methods=[...])`` and ``@app.get("/p")``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = dotted(node.func.value)
    if owner not in apps or node.func.attr not in ROUTE_METHODS or not node.args:
        return None
    path = _const_str(node.args[0])
    if path is None:
        return None
    method = "GET" if node.func.attr in ("route", "api_route") else node.func.attr.upper()
    for keyword in node.keywords:
        if keyword.arg == "methods" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            methods = [m for m in (_const_str(e) for e in keyword.value.elts) if m]
            if methods and "GET" not in [m.upper() for m in methods]:
                method = methods[0].upper()
    return owner, apps[owner], path, method


def _route(function: astutil.FunctionNode, decorator: tuple[str, str, str, str]) -> RouteTarget:
    owner, framework, path, method = decorator
    keys = _request_keys(function)
    rule_params = tuple(m.group(2) or m.group(3) for m in _PATH_PARAM.finditer(path))
    query = set(keys["query"])
    if framework == "fastapi":  # plain parameters that are not in the path are query parameters
        query.update(a.arg for a in function.args.args if a.arg not in rule_params and a.arg != "request")
    return RouteTarget(framework=framework, obj=owner, function=function.name, path=path, method=method,
                       line=function.lineno, query=tuple(sorted(query)), form=tuple(sorted(keys["form"])),
                       json=tuple(sorted(keys["json"])), headers=tuple(sorted(keys["headers"])),
                       path_params=rule_params)


def _django_view(function: astutil.FunctionNode) -> RouteTarget:
    keys = _request_keys(function)
    extra = tuple(a.arg for a in function.args.args[1:])
    method = "POST" if keys["form"] and not keys["query"] else "GET"
    return RouteTarget(framework="django", obj=function.name, function=function.name, path=f"/{function.name}/",
                       method=method, line=function.lineno, query=tuple(sorted(keys["query"])),
                       form=tuple(sorted(keys["form"])), json=tuple(sorted(keys["json"])),
                       headers=tuple(sorted(keys["headers"])), path_params=extra)


def find_targets(code: str, name: str | None = None) -> list[Target]:
    """Routes of Flask/FastAPI apps, Django views (first parameter ``request`` in code importing django),
    and the other public top-level functions; only ``name`` when given (a function or a route's handler)."""
    tree = astutil.parse(code)
    if tree is None:
        return []
    apps = _apps(tree)
    uses_django = any(n == "django" or n.startswith("django.") for n in sink_names(tree))
    targets: list[Target] = []
    for function in astutil.top_functions(tree):
        if name is not None and function.name != name:
            continue
        decorators = [d for d in (_route_decorator(n, apps) for n in function.decorator_list) if d]
        if decorators:
            targets.extend(_route(function, d) for d in decorators)
        elif uses_django and function.args.args and function.args.args[0].arg == "request":
            targets.append(_django_view(function))
        elif (name is not None or not function.name.startswith("_")) and isinstance(function, ast.FunctionDef):
            signature = parse_signature(code, function.name)
            targets.append(FunctionTarget(name=function.name, line=function.lineno,
                                          params=tuple(inferred(function, p) for p in signature.params),
                                          optional=signature.optional,
                                          requests=request_params(function, signature.params),
                                          compared=compared_literals(function, signature.params),
                                          reads_stdin=reads_stdin(function)))
    return targets


def unattacked_methods(code: str) -> list[str]:
    """Public methods of the module's classes (``Store.find``): probes call functions and routes, not methods."""
    tree = astutil.parse(code)
    if tree is None:
        return []
    return [f"{node.name}.{item.name}" for node in tree.body if isinstance(node, ast.ClassDef)
            for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not item.name.startswith("_")]


def reads_stdin(function: ast.AST) -> bool:
    """Whether a function's own body reads standard input: ``input()``, ``sys.stdin.readline()``, ..."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("input", "raw_input"):
            return True
        if isinstance(node, ast.Attribute) and dotted(node).startswith(("sys.stdin", "stdin.")):
            return True
    return False
