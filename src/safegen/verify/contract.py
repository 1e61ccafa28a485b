"""Keep derived tests to the requirement's contract: a test may expect only exceptions the requirement names.

A test that expects ``ValueError`` for input the requirement never calls invalid encodes the model's own
opinion (invented validation) and would punish the candidates that keep the contract; it is dropped.
"""

from __future__ import annotations

import ast
import builtins
import re

# (pattern, why) over the requirement text: when one matches, a test may expect a bare Exception.
GENERIC_ALLOWED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b"),
     "the requirement names an exception class, so some exception is part of the contract"),
    (re.compile(r"(?<!not )(?<!never )(?<!n't )\braises?\b(?! no\b)(?! any\b)", re.IGNORECASE),
     "the requirement says the function raises (and not 'does not raise')"),
)
CATCH_ALL = frozenset({"Exception", "BaseException"})
RAISES_HELPERS = frozenset({"raises", "assertRaises", "assertRaisesRegex"})  # pytest.raises, unittest
FAIL_HELPERS = frozenset({"fail"})  # pytest.fail, self.fail


def _names(node: ast.expr | None) -> set[str]:
    """Exception class names in an ``except`` clause or a raises() argument: ``X``, ``mod.X``, ``(X, Y)``."""
    if node is None:
        return {"BaseException"}  # a bare except
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(element) for element in node.elts)) if node.elts else set()
    return set()


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else ""


def _fails(body: list[ast.stmt]) -> bool:
    """Whether a handler body makes the test fail: ``assert False``, ``raise``, ``pytest.fail(...)``."""
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant) and not node.test.value:
            return True
        if isinstance(node, ast.Call) and _called(node) in FAIL_HELPERS:
            return True
    return False


def expected_exceptions(node: ast.AST) -> set[str]:
    """The exception classes a test expects: raises()/assertRaises() arguments and handlers that do not fail."""
    expected: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and _called(inner) in RAISES_HELPERS and inner.args:
            expected |= _names(inner.args[0])
        elif isinstance(inner, ast.Try):
            for handler in inner.handlers:
                if not _fails(handler.body):
                    expected |= _names(handler.type)
    return expected


def _builtin_exception(name: str) -> type[BaseException] | None:
    value = getattr(builtins, name, None)
    return value if isinstance(value, type) and issubclass(value, BaseException) else None


def _related(name: str, documented: set[str]) -> bool:
    """``name`` is documented, or a built-in sub- or superclass of a documented built-in exception."""
    if name in documented:
        return True
    mine = _builtin_exception(name)
    if mine is None:
        return False
    for other in filter(None, map(_builtin_exception, documented)):
        if issubclass(mine, other) or issubclass(other, mine):
            return True
    return False


def undocumented(expected: set[str], requirement: str) -> set[str]:
    """The expected exceptions the requirement does not provide for."""
    documented = set(re.findall(r"\b[A-Za-z_]\w*\b", requirement))
    generic = any(pattern.search(requirement) for pattern, _why in GENERIC_ALLOWED)
    return {name for name in expected
            if not (_related(name, documented) or name in CATCH_ALL and generic)}
