"""The shared AST helpers: parsing that never raises, and which names code reads, binds and needs."""

from __future__ import annotations

import ast

import pytest

from safegen import astutil


@pytest.mark.parametrize("code", ["def f(:\n", "x = 1\x00\n", "(" * 300 + ")" * 300])
def test_parse_returns_none_for_what_does_not_parse(code: str) -> None:
    assert astutil.parse(code) is None


@pytest.mark.parametrize("code, read, mentioned", [
    ("x = y + 1", {"y"}, {"x", "y"}),
    ("del a\nprint(b)", {"print", "b"}, {"a", "print", "b"}),
    ("for i in items:\n    total += i", {"items", "i"}, {"i", "items", "total"}),
])
def test_names_read_are_loads_only_names_mentioned_are_all(code: str, read: set[str], mentioned: set[str]) -> None:
    tree = ast.parse(code)
    assert astutil.names_read(tree) == read
    assert astutil.names_mentioned(tree) == mentioned


@pytest.mark.parametrize("code, free", [
    ("import os\ndef f(p):\n    return os.path.join(p, sep)", {"sep"}),
    ("def f(n):\n    return sqrt(n) + len(str(n))", {"sqrt"}),
    ("try:\n    pass\nexcept E as err:\n    print(err)", {"E"}),
    ("from a.b import c as d\nd(x)", {"x"}),
])
def test_free_names_are_read_unbound_and_not_builtins(code: str, free: set[str]) -> None:
    assert astutil.free_names(ast.parse(code)) == free


@pytest.mark.parametrize("statement, bound", [
    ("import a.b", {"a"}), ("import a.b as c", {"c"}), ("from x import y, z as w", {"y", "w"}),
])
def test_import_binds(statement: str, bound: set[str]) -> None:
    node = ast.parse(statement).body[0]
    assert isinstance(node, astutil.IMPORTS)
    assert astutil.import_binds(node) == bound


@pytest.mark.parametrize("target, names", [("a", {"a"}), ("a, (b, c)", {"a", "b", "c"}), ("a.b", None),
                                           ("a[0], b", None)])
def test_target_names(target: str, names: set[str] | None) -> None:
    stmt = ast.parse(f"{target} = value").body[0]
    assert isinstance(stmt, ast.Assign)
    assert astutil.target_names(stmt.targets) == names
