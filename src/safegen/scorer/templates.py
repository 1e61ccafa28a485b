"""The synthetic pair templates: read from ``data/templates.yaml`` and run as small step programs.

A template is a list of steps that draw from one random generator in a fixed order (so a seed
always gives the same pair) and fill a :class:`Core`. Texts name variables as ``{=var}`` and
role names as ``$role`` (``$$`` is a literal dollar); roles are filled by :class:`Names`, which
draws a name from the same generator the first time a role is used.

Steps (each may carry ``when: var``, skipped unless that variable is non-empty):
``choose`` a variable (or a list of them) ``from`` options; ``names`` to draw roles now;
``chance`` p with ``then``/``else`` steps; ``cases``, one list of steps picked at random;
``lines``/``append`` to fill roles in a text (and add it to a variable); ``set`` and ``join``
(", " between the non-empty parts) to build texts without filling roles; ``open`` for an
``open(...)`` call; ``chars`` for a random string; ``core`` (as a step, for one branch) names the pair's parts, which
the texts of a template's ``core`` otherwise give.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "templates.yaml"
ROLES: dict[str, tuple[str, ...]] = {
    "text": ("name", "value", "term", "text", "q", "word", "label", "title", "s", "arg", "item",
             "keyword", "needle", "username", "author", "query_text", "user_input", "field"),
    "ident": ("user_id", "uid", "item_id", "pk", "record_id", "key", "ident", "account_id",
              "order_no", "id_", "product_id", "slug", "ref"),
    "path": ("filename", "path", "name", "fname", "file_name", "rel_path", "doc", "target",
             "report_name", "entry", "image_name", "upload_name"),
    "host": ("host", "hostname", "address", "server", "ip", "target", "domain", "node"),
    "url": ("url", "link", "target", "endpoint", "next_url", "location", "dest", "feed_url",
            "callback", "src"),
    "blob": ("data", "payload", "blob", "raw", "body", "content", "buf", "message", "stream_data",
             "serialized", "packet"),
    "secret": ("password", "passwd", "pw", "secret", "token", "passphrase", "credential", "pin"),
    "expr": ("expr", "expression", "formula", "source", "code", "snippet", "calc", "rule"),
    "conn": ("conn", "db", "connection", "cnx", "database", "dbconn"),
    "cur": ("cursor", "cur", "c", "csr"),
    "base": ("BASE_DIR", "UPLOAD_DIR", "ROOT", "STATIC_ROOT", "DATA_DIR", "STORAGE", "MEDIA_ROOT"),
    "table": ("users", "accounts", "orders", "items", "products", "customers", "posts", "notes"),
    "col": ("name", "email", "username", "title", "status", "owner", "city", "sku", "login"),
    "dir": ("directory", "folder", "dest", "out_dir", "workdir", "target_dir", "root"),
    "n": ("n", "length", "size", "count", "digits", "num"),
    "cmd": ("cmd", "command", "cmdline", "shell_cmd", "command_line", "invocation"),
    "res": ("result", "res", "out", "value", "rows", "ret", "response", "resp", "obj", "parsed"),
}
_VARIABLE = re.compile(r"\{=(\w+)\}")


@dataclass
class Core:
    """The security-relevant part of a pair: function body, imports and module-level lines."""

    params: list[str]
    body_v: list[str]
    body_f: list[str]
    imports_v: list[str] = field(default_factory=list)
    imports_f: list[str] = field(default_factory=list)
    module_v: list[str] = field(default_factory=list)
    module_f: list[str] = field(default_factory=list)
    shapes: tuple[str, ...] = ("func", "method", "route")
    route_only: bool = False


class Names:
    """Random, distinct names for the roles a template needs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.cache: dict[str, str] = {}

    def __getitem__(self, role: str) -> str:
        if role not in self.cache:
            pool = [n for n in ROLES[role.rstrip("0123456789")] if n not in self.used]
            name = self.rng.choice(pool) if pool else f"{role}_{len(self.used)}"
            self.used.add(name)
            self.cache[role] = name
        return self.cache[role]


def lines(template: str, names: Names, extra: dict[str, str] | None = None) -> list[str]:
    """A multi-line template as a list of lines, ``$role`` placeholders filled (``$$`` stays a dollar)."""
    values = dict(extra or {})

    class _Lookup(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return values[key] if key in values else names[key]

    return string.Template(template).substitute(_Lookup()).strip("\n").split("\n")


def open_call(rng: random.Random, target: str, mode: str) -> str:
    """An ``open(...)`` call with or without an explicit encoding (same choice for both versions)."""
    if "b" in mode or rng.random() < 0.5:
        return f'open({target}, "{mode}")' if mode != "r" or rng.random() < 0.5 else f"open({target})"
    return f'open({target}, "{mode}", encoding="utf-8")'


class _Run:
    """One run of a template: its variables, the generator and the names drawn so far."""

    def __init__(self, rng: random.Random, names: Names) -> None:
        self.rng = rng
        self.names = names
        self.env: dict[str, str] = {}
        self.chosen: dict[str, Any] | None = None  # a branch's own core, else the template's

    def inline(self, text: str) -> str:
        return _VARIABLE.sub(lambda m: self.env[m.group(1)], str(text))

    def steps(self, steps: list[dict[str, Any]]) -> None:
        for step in steps:
            if "when" not in step or self.env.get(step["when"]):
                self.step(step)

    def step(self, step: dict[str, Any]) -> None:
        if "choose" in step:
            option = self.rng.choice(step["from"])
            targets = step["choose"]
            values = option if isinstance(targets, list) else [option]
            for target, value in zip(targets if isinstance(targets, list) else [targets], values, strict=True):
                self.env[target] = self.inline(str(value))
        elif "names" in step:
            for role in step["names"]:
                self.names[role]
        elif "chance" in step:
            self.steps(step.get("then", []) if self.rng.random() < step["chance"] else step.get("else", []))
        elif "cases" in step:
            self.steps(step["cases"][self.rng.randrange(len(step["cases"]))])
        elif "lines" in step:
            for target, text in step["lines"].items():
                self.env[target] = "\n".join(lines(self.inline(text), self.names))
        elif "append" in step:
            for target, text in step["append"].items():
                self.env[target] += "\n" + "\n".join(lines(self.inline(text), self.names))
        elif "set" in step:
            for target, text in step["set"].items():
                self.env[target] = self.inline(text)
        elif "join" in step:
            for target, parts in step["join"].items():
                self.env[target] = ", ".join(p for p in (self.inline(x) for x in parts) if p)
        elif "open" in step:
            self.env[step["open"]] = open_call(self.rng, self.inline(step["target"]), self.inline(step["mode"]))
        elif "core" in step:
            self.chosen = step["core"]
        elif "chars" in step:
            self.env[step["chars"]] = "".join(self.rng.choice(step["alphabet"]) for _ in range(step["count"]))
        else:
            raise ValueError(f"unknown template step {sorted(step)}")

    def texts(self, value: str | list[str] | None) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            return [t for t in (self.inline(x) for x in value) if t]
        text = self.inline(value)
        return text.split("\n") if text else []

    def core(self, spec: dict[str, Any]) -> Core:
        params = [self.names[p[1:]] if p.startswith("$") else p for p in self.texts(spec.get("params", []))]
        return Core(params, self.texts(spec["body_v"]), self.texts(spec["body_f"]),
                    self.texts(spec.get("imports_v")), self.texts(spec.get("imports_f")),
                    self.texts(spec.get("module_v")), self.texts(spec.get("module_f")),
                    tuple(spec.get("shapes", ("func", "method", "route"))), bool(spec.get("route_only", False)))


def run_template(spec: dict[str, Any], rng: random.Random, names: Names) -> Core:
    """Run one template's steps with ``rng`` and return its core."""
    run = _Run(rng, names)
    run.steps(spec.get("steps", []))
    return run.core(run.chosen or spec["core"])


Template = Callable[[random.Random, Names], Core]


def load_templates(path: Path = DATA) -> dict[str, tuple[int, Template]]:
    """Every template in ``path`` by name, with its CWE."""
    with path.open(encoding="utf-8") as handle:
        specs = yaml.safe_load(handle)
    return {spec["name"]: (int(spec["cwe"]), partial(run_template, spec)) for spec in specs}
