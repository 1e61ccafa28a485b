"""Rewrites where the data decides: pickle of plain JSON -> json, a fast hash of a password -> a KDF."""

from __future__ import annotations

import ast
import json
import re

from safegen.fixes.interface import FixSpec, Rewrite
from safegen.fixes.registry import rewrite
from safegen.fixes.source import SourceIndex, replace
from safegen.types import Finding

PICKLE_MODULES = frozenset({"pickle", "_pickle", "cPickle"})
FAST_HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
                         "sha3_384", "sha3_512", "blake2b", "blake2s"})


def _json_literal(node: ast.AST) -> bool:
    if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
        return False
    try:
        json.loads(node.value)
    except ValueError:
        return False
    return True


def _bindings(index: SourceIndex, scope: ast.AST, name: str) -> list[ast.expr]:
    """Values bound to ``name`` in a scope: ``name = value`` and ``with value as name``."""
    values: list[ast.expr] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name) \
                and node.optional_vars.id == name:
            values.append(node.context_expr)
        elif isinstance(node, ast.arg) and node.arg == name:
            values.append(ast.Name(id=name))  # a parameter: only its name can say what it holds
    return values


def _plainly_json(index: SourceIndex, node: ast.expr, spec: FixSpec) -> bool:
    """The data is JSON by its literal, or by what it is called or where it comes from (the fix's hint)."""
    hint, exclude = re.compile(spec.option("json-hint", "json")), re.compile(spec.option("json-exclude", "$^"))

    def says_json(value: ast.AST) -> bool:
        text = value.id if isinstance(value, ast.Name) and not hasattr(value, "lineno") else index.text(value)
        return _json_literal(value) or bool(hint.search(text)) and not exclude.search(text)

    if says_json(node):
        return True
    if isinstance(node, ast.Name):
        values = _bindings(index, index.scope_of(node), node.id)
        return bool(values) and all(says_json(v) for v in values)
    return False


@rewrite("pickle_to_json")
def pickle_to_json(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``pickle.loads(data)`` -> ``json.loads(data)`` only where the data is plainly JSON; else no fix."""
    for call in index.calls_at(finding.line):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        if module not in PICKLE_MODULES or function not in ("load", "loads"):
            continue
        if len(call.args) != 1 or call.keywords or not _plainly_json(index, call.args[0], spec):
            return None
        return Rewrite((replace(index, call.func, f"json.{function}"),), ("json",))
    return None


def _salt(index: SourceIndex, call: ast.Call, data: ast.expr, pattern: re.Pattern[str]) -> str | None:
    """Source of the salt to use: a salt-named operand of the hashed data, else a salt bound in scope."""
    inner = data.func.value if isinstance(data, ast.Call) and isinstance(data.func, ast.Attribute) else data
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add):
        for side in (inner.left, inner.right):
            if isinstance(side, (ast.Name, ast.Attribute)) and pattern.search(index.text(side)):
                return index.text(side)
    scope = index.scope_of(call)
    arguments = [a.arg for a in ast.walk(scope) if isinstance(a, ast.arg)] if scope is not index.tree else []
    assigned = [t.id for n in ast.walk(scope) if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name) and n.lineno < call.lineno]
    for name in [*arguments, *assigned]:
        if pattern.search(name):
            return name
    return None


@rewrite("password_kdf")
def password_kdf(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``hashlib.sha256(password).hexdigest()`` -> ``hashlib.pbkdf2_hmac("sha256", password, salt, N).hex()``.

    Only where the code has a salt to use; a new random salt would change what the function
    returns (and every stored hash), which is not a mechanical fix.
    """
    password = re.compile(spec.option("password", "(?i)passw|pwd|passphrase"))
    salt_name = re.compile(spec.option("salt", "(?i)salt"))
    iterations = spec.option("iterations", "600_000")
    for call in index.calls_at(finding.line):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        if module != "hashlib" or function not in FAST_HASHES or len(call.args) != 1 or call.keywords:
            continue
        data = call.args[0]
        if not password.search(index.text(data)):
            return None
        method = index.parents.get(call)
        outer = index.parents.get(method) if method is not None else None
        if not isinstance(method, ast.Attribute) or method.attr not in ("digest", "hexdigest") \
                or not isinstance(outer, ast.Call) or outer.func is not method or outer.args:
            return None
        salt = _salt(index, call, data, salt_name)
        if salt is None:
            return None
        prefix = index.text(call.func.value) if isinstance(call.func, ast.Attribute) else "hashlib"
        salt_bytes = f"({salt} if isinstance({salt}, bytes) else str({salt}).encode())"
        derived = f'{prefix}.pbkdf2_hmac("sha256", {index.text(data)}, {salt_bytes}, {iterations})'
        if method.attr == "hexdigest":
            derived += ".hex()"
        imports = () if isinstance(call.func, ast.Attribute) else ("hashlib",)
        return Rewrite((replace(index, outer, derived),), imports)
    return None
