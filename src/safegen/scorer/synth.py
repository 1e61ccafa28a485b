"""Synthesize vulnerable/fixed pairs per CWE from templates, with varied names and shapes.

Each template (``data/templates.yaml``, run by :mod:`safegen.scorer.templates`) gives a :class:`Core`
(the security-relevant body of one function in its vulnerable and its fixed form); :func:`assemble`
wraps it as a plain function, a method or a Flask route, with random names, imports in random order
and benign filler code shared by both versions, so the only systematic difference between the two
is the weakness itself.
"""

from __future__ import annotations

import random
import string
import zlib
from collections.abc import Iterator

from safegen.scorer.pairs import Pair
from safegen.scorer.templates import ROLES, Core, Names, Template, load_templates

__all__ = ["TEMPLATES", "Core", "Names", "assemble", "combine", "generate_benign", "generate_pairs"]

VERBS = ("get", "load", "fetch", "read", "run", "handle", "process", "build", "make", "do",
         "find", "lookup", "show", "render", "save", "store", "update", "check", "parse",
         "compute", "create", "open", "send", "serve", "import", "export", "sync", "apply")
NOUNS = ("user", "file", "report", "item", "record", "data", "config", "account", "order",
         "profile", "image", "doc", "entry", "result", "log", "backup", "archive", "note", "task",
         "message", "host", "page", "invoice", "asset", "ticket", "customer", "product", "job")
CLASSES = ("Service", "Manager", "Handler", "Repository", "Store", "Client", "Helper", "Api",
           "Controller", "Worker", "Gateway", "Processor")
FLASK_PATHS = ("/search", "/view", "/api/item", "/run", "/load", "/profile", "/download",
               "/report", "/go", "/upload", "/calc", "/user", "/export", "/page")


TEMPLATES: dict[str, tuple[int, Template]] = load_templates()


# ---------------------------------------------------------------- benign filler shared by both

SINK_MARK = "  #@"  # marks, in a template's vulnerable body, a sink line that the fix leaves as is

FILLER_FUNCS = (
    "def _normalize(value):\n    return str(value).strip().lower()",
    "def _chunks(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]",
    "def _clamp(x, low, high):\n    return max(low, min(high, x))",
    "def _is_blank(text):\n    return not text or not text.strip()",
    "def _merge(a, b):\n    out = dict(a)\n    out.update(b)\n    return out",
    "def _mean(values):\n    return sum(values) / len(values) if values else 0.0",
    "def _flatten(rows):\n    return [cell for row in rows for cell in row]",
    "def _slugify(title):\n    return \"-\".join(title.lower().split())",
    "def _parse_bool(text):\n    return str(text).lower() in (\"1\", \"true\", \"yes\", \"on\")",
    "def _first(items, default=None):\n    for item in items:\n        return item\n    return default",
    ("class Config:\n    def __init__(self, **values):\n        self.values = dict(values)\n\n"
    "    def get(self, key, default=None):\n        return self.values.get(key, default)"),
    ("def _fib(count):\n    a, b = 0, 1\n    out = []\n    for _ in range(count):\n        out.append(a)\n"
    "        a, b = b, a + b\n    return out"),
    ("def _word_count(text):\n    counts = {}\n    for word in text.split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n    return counts"),
    "def _validate_email(address):\n    if \"@\" not in address:\n        raise ValueError(\"invalid email\")\n    return address",
    "def _read_lines(path):\n    with open(path, encoding=\"utf-8\") as fh:\n        return [line.rstrip(\"\\n\") for line in fh]",
    "def _paginate(items, page, per_page=20):\n    start = (page - 1) * per_page\n    return items[start:start + per_page]",
    "def _format_price(cents):\n    return \"%d.%02d\" % divmod(int(cents), 100)",
    ("def _retry(func, attempts=3):\n    for attempt in range(attempts):\n        try:\n            return func()\n"
    "        except OSError:\n            if attempt == attempts - 1:\n                raise"),
)
FILLER_STATEMENTS = (
    "if $p is None:\n    raise ValueError(\"missing argument\")",
    "$p = str($p).strip()",
    "logger.debug(\"called with %r\", $p)",
    "start = time.monotonic()",
    "if not $p:\n    return None",
    "count = 0",
    "# TODO: cache the result",
    "options = {\"retries\": 3, \"timeout\": 10}",
)
FILLER_IMPORTS = ("import logging", "import time", "import json", "import os", "import sys",
                  "from typing import Any", "import datetime", "import collections")


def _function_name(rng: random.Random) -> str:
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    style = rng.random()
    if style < 0.7:
        return f"{verb}_{noun}"
    if style < 0.85:
        return verb + noun.capitalize()
    return f"{verb}_{noun}_{rng.choice(['v2', 'safe', 'data', 'info', 'by_id', 'now'])}"


FLASK_FETCH = ('KEY = request.args.get("KEY", "")', 'KEY = request.form.get("KEY", "")',
               'KEY = request.args["KEY"]', 'KEY = request.get_json()["KEY"]',
               'KEY = request.values.get("KEY")', 'KEY = request.form["KEY"]')
DJANGO_FETCH = ('KEY = request.GET.get("KEY", "")', 'KEY = request.POST.get("KEY", "")',
                'KEY = request.GET["KEY"]')
INT_NAMES = frozenset(ROLES["n"]) | {"uid", "user_id", "pk", "record_id", "item_id", "account_id",
                                     "product_id", "order_no"}
BYTES_NAMES = frozenset(ROLES["blob"]) | {"key"}
UNTYPED = frozenset(ROLES["conn"]) | frozenset(ROLES["cur"]) | {"root"}


def _annotate(param: str) -> str:
    """A type hint for a parameter, guessed from its name (only the tokens matter)."""
    if param in UNTYPED:
        return param
    if param in INT_NAMES:
        return f"{param}: int"
    if param in BYTES_NAMES:
        return f"{param}: bytes"
    return f"{param}: str"


def assemble(rng: random.Random, core: Core) -> tuple[str, str, tuple[int, ...]]:
    """Two complete modules that differ only where the weakness is, and the marked sink lines."""
    shape = rng.choice(core.shapes)
    fname = _function_name(rng)
    params = list(core.params)
    fillers_before = rng.sample(FILLER_FUNCS, rng.choice([0, 0, 1, 1, 2]))
    fillers_after = rng.sample([f for f in FILLER_FUNCS if f not in fillers_before],
                               rng.choice([0, 0, 1]))
    extra_imports = rng.sample(FILLER_IMPORTS, rng.choice([0, 1, 2]))
    pre: list[str] = []
    stmt_param = next((p for p in params if p not in ("key", "root", "expected")), None)
    if stmt_param and rng.random() < 0.45:
        stmt = rng.choice(FILLER_STATEMENTS)
        pre = string.Template(stmt).safe_substitute(p=stmt_param).split("\n")
        if "logger." in stmt:
            extra_imports.append("import logging")
        if "time." in stmt:
            extra_imports.append("import time")
    docstring = rng.random() < 0.4
    doc_text = f'"""{rng.choice(["Return", "Handle", "Process", "Compute"])} the {rng.choice(NOUNS)}."""'

    def build(body: list[str], imports: list[str], module: list[str]) -> tuple[str, tuple[int, ...]]:
        lines_out: list[str] = []
        imps = set(imports + extra_imports)
        if shape == "route" and framework == "flask":
            imps.add("from flask import Flask, request")
        elif shape == "route":
            imps.add("from django.http import HttpResponse")
        # One random but shared order for both versions: sorted, or sorted by a salted checksum.
        lines_out.extend(sorted(imps, key=lambda i: zlib.crc32((import_salt + i).encode()))
                         if import_salt else sorted(imps))
        lines_out.append("")
        if any("logger." in x for x in pre + body + module) and not any(
                x.startswith("logger =") for x in module):
            lines_out.append("logger = logging.getLogger(__name__)")
        if shape == "route" and framework == "flask":
            lines_out.append("app = Flask(__name__)")
        route_module = [m for m in module if not m.startswith(("if __name__", "    app.run"))]
        main_block = [m for m in module if m.startswith(("if __name__", "    app.run"))]
        lines_out.extend(route_module)
        lines_out.append("")
        for filler in fillers_before:
            lines_out.extend(filler.split("\n"))
            lines_out.extend(["", ""])
        inner = ([doc_text] if docstring else []) + pre + body
        if shape == "route":
            if framework == "flask":
                lines_out.append(f'@app.route("{rng_route}", methods=["GET", "POST"])')
                lines_out.append(f"def {fname}():")
            else:
                lines_out.append(f"def {fname}(request):")
            if docstring:
                lines_out.append("    " + doc_text)
            for p in params:
                lines_out.append("    " + fetch.replace("KEY", p))
            lines_out.extend("    " + x if x else "" for x in pre + body)
        elif shape == "method":
            lines_out.append(f"class {cls_name}:")
            lines_out.append(f"    def {fname}(self{''.join(', ' + p for p in typed)}){ret}:")
            lines_out.extend("        " + x if x else "" for x in inner)
        else:
            lines_out.append(f"def {fname}({', '.join(typed)}){ret}:")
            lines_out.extend("    " + x if x else "" for x in inner)
        for filler in fillers_after:
            lines_out.extend(["", ""])
            lines_out.extend(filler.split("\n"))
        if main_block:
            lines_out.extend(["", ""] + main_block)
        marked = tuple(i + 1 for i, x in enumerate(lines_out) if x.endswith(SINK_MARK))
        text = "\n".join(x.removesuffix(SINK_MARK) for x in lines_out) + "\n"
        return text, marked

    rng_route = rng.choice(FLASK_PATHS)
    framework = "flask" if core.route_only or rng.random() < 0.6 else "django"
    fetch = rng.choice(FLASK_FETCH if framework == "flask" else DJANGO_FETCH)
    typed = [_annotate(p) for p in params] if rng.random() < 0.5 else params
    ret = rng.choice(["", "", "", " -> str", " -> None", " -> dict", " -> bytes", " -> list",
                      " -> bool", " -> Any"])
    import_salt = "" if rng.random() < 0.5 else str(rng.random())
    cls_name = rng.choice(NOUNS).capitalize() + rng.choice(CLASSES)
    vuln, sinks = build(core.body_v, core.imports_v, core.module_v)
    fixed, _ = build(core.body_f, core.imports_f, core.module_f)
    return vuln, fixed, sinks


def generate_pairs(per_template: int = 40, seed: int = 0, templates: list[str] | None = None,
                   mix: float = 0.4) -> Iterator[Pair]:
    """Yield ``per_template`` distinct pairs for each template, deterministically from ``seed``.

    A share ``mix`` of them also carries the fixed (safe) version of another template's code
    in both halves, so that safe idioms elsewhere in a file never excuse the weakness.
    """
    names = sorted(templates if templates is not None else TEMPLATES)
    others = sorted(TEMPLATES)
    for tname in names:
        cwe, fn = TEMPLATES[tname]
        rng = random.Random(f"{seed}:{tname}")
        seen: set[tuple[str, str]] = set()
        attempts = 0
        while len(seen) < per_template and attempts < per_template * 10:
            attempts += 1
            core = fn(rng, Names(rng))
            vuln, fixed, sinks = assemble(rng, core)
            if rng.random() < mix:
                other = rng.choice([o for o in others if o != tname])
                _, safe, _ = assemble(rng, TEMPLATES[other][1](rng, Names(rng)))
                vuln, fixed, sinks = combine(vuln, fixed, sinks, safe, first=rng.random() < 0.5)
            if vuln == fixed or (vuln, fixed) in seen:
                continue
            seen.add((vuln, fixed))
            yield Pair(f"synth/{tname}/{len(seen)}", vuln, fixed, cwe, "synth", sinks)


def _split_imports(code: str) -> tuple[list[str], list[str]]:
    """(import lines at the top, the rest) of a module written by :func:`assemble`."""
    lines_in = code.rstrip("\n").split("\n")
    cut = 0
    while cut < len(lines_in) and lines_in[cut].startswith(("import ", "from ")):
        cut += 1
    return lines_in[:cut], lines_in[cut:]


def combine(vuln: str, fixed: str, sinks: tuple[int, ...], safe: str,
            first: bool) -> tuple[str, str, tuple[int, ...]]:
    """Add the code of a safe module to both versions (before or after), keeping sink lines right."""
    safe_imports, safe_rest = _split_imports(safe)
    out: list[str] = []
    new_sinks: tuple[int, ...] = ()
    for index, code in enumerate((vuln, fixed)):
        imports, rest = _split_imports(code)
        merged = sorted(set(imports) | set(safe_imports))
        parts = (safe_rest + ["", ""] + rest) if first else (rest + ["", ""] + safe_rest)
        out.append("\n".join(merged + parts) + "\n")
        if index == 0:
            shift = len(merged) - len(imports) + (len(safe_rest) + 2 if first else 0)
            new_sinks = tuple(line + shift for line in sinks)
    return out[0], out[1], new_sinks


BENIGN_BODIES = (
    "result = []\nfor item in items:\n    if item % 2 == 0:\n        result.append(item * item)\nreturn result",
    "if not items:\n    return 0\nreturn max(items) - min(items)",
    "seen = set()\nout = []\nfor x in items:\n    if x not in seen:\n        seen.add(x)\n        out.append(x)\nreturn out",
    "total = 0\nfor i, x in enumerate(items):\n    total += i * x\nreturn total",
    "return sorted(items, key=lambda x: (-x, str(x)))",
    ("left, right = 0, len(items) - 1\nwhile left < right:\n    items[left], items[right] = items[right], items[left]\n"
    "    left += 1\n    right -= 1\nreturn items"),
    "counts = {}\nfor x in items:\n    counts[x] = counts.get(x, 0) + 1\nreturn [k for k, v in counts.items() if v > 1]",
    "return [x for x in items if isinstance(x, int) and x > 0]",
    "if len(items) < 2:\n    return False\nreturn any(a == b for a, b in zip(items, items[1:]))",
    "return sum(1 for x in items if str(x).isdigit())",
    "with open(items, encoding=\"utf-8\") as fh:\n    return sum(1 for _ in fh)",
    "return json.dumps({\"count\": len(items)})",
    "return \" \".join(word.capitalize() for word in str(items).split())",
    "parts = str(items).split(\",\")\nreturn [p.strip() for p in parts if p.strip()]",
    "return hashlib.sha256(str(items).encode()).hexdigest()",
    "return subprocess.run([\"echo\", \"ready\"], capture_output=True, text=True).stdout",
    "return secrets.token_urlsafe(16)",
    "return yaml.safe_load(items)",
    "return ast.literal_eval(items)",
    "return os.path.basename(items)",
)


def generate_benign(count: int = 200, seed: int = 0) -> Iterator[str]:
    """Yield ordinary code with no weakness (negatives that are not one half of a pair)."""
    rng = random.Random(f"{seed}:benign")
    modules = ("json", "hashlib", "subprocess", "secrets", "yaml", "ast", "os")
    for _ in range(count):
        param = rng.choice(["items", "values", "xs", "data", "nums"])
        body = rng.choice(BENIGN_BODIES).replace("items", param)
        imports = [f"import {m}" for m in modules if f"{m}." in body]
        core = Core([param], body.split("\n"), body.split("\n"), imports, imports,
                    shapes=("func", "method"))
        code, _, _ = assemble(rng, core)
        yield code
