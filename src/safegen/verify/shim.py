"""A stand-in for the few pytest helpers derived tests use, so they run where pytest is not installed."""

from __future__ import annotations

import ast

# Prepended to a derived test that reads the name ``pytest``; standard library only, as in the sandbox.
PYTEST_SHIM = '''\
class pytest:  # safegen: raises, fail, approx and fixture as pytest spells them
    class _Raises:
        def __init__(self, expected, match=None):
            self.expected, self.match, self.value = expected, match, None
        def __enter__(self):
            return self
        def __exit__(self, kind, value, tb):
            if kind is None:
                raise AssertionError(f"DID NOT RAISE {self.expected}")
            if not issubclass(kind, self.expected):
                return False
            if self.match is not None:
                import re
                if not re.search(self.match, str(value)):
                    raise AssertionError(f"{value!s} does not match {self.match!r}")
            self.value = value
            return True
    @staticmethod
    def raises(expected, *args, match=None, **kwargs):
        context = pytest._Raises(expected, match)
        if args:
            with context:
                args[0](*args[1:], **kwargs)
        return context
    @staticmethod
    def fail(reason="", pytrace=True):
        raise AssertionError(reason)
    class _Approx:
        def __init__(self, expected, rel, abs):
            self.expected, self.rel, self.abs = expected, rel, abs
        def _close(self, want, got):
            import math
            if isinstance(want, (list, tuple)):
                return isinstance(got, (list, tuple)) and len(got) == len(want) and all(
                    self._close(w, g) for w, g in zip(want, got))
            return math.isclose(got, want, rel_tol=self.rel, abs_tol=self.abs)
        def __eq__(self, other):
            try:
                return self._close(self.expected, other)
            except TypeError:
                return False
        def __repr__(self):
            return f"approx({self.expected!r})"
    @staticmethod
    def approx(expected, rel=1e-6, abs=1e-12):
        return pytest._Approx(expected, rel, abs)
    @staticmethod
    def fixture(*args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda function: function
'''


def is_pytest_import(node: ast.stmt) -> bool:
    """``import pytest`` or ``from pytest import ...``: the shim takes their place."""
    if isinstance(node, ast.Import):
        return any(alias.name == "pytest" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == "pytest"


def pytest_aliases(node: ast.stmt) -> list[str]:
    """What a pytest import binds, as lines that follow the shim: ``from pytest import raises as r`` is
    ``r = pytest.raises``, ``import pytest as pt`` is ``pt = pytest``."""
    if isinstance(node, ast.Import):
        return [f"{alias.asname} = pytest" for alias in node.names
                if alias.name == "pytest" and alias.asname and alias.asname != "pytest"]
    if isinstance(node, ast.ImportFrom) and node.module == "pytest":
        return [f"{alias.asname or alias.name} = pytest.{alias.name}" for alias in node.names if alias.name != "*"]
    return []
