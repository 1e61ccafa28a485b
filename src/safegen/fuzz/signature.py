"""The target function's parameters and type hints, read from the source with ``ast`` (never executed)."""

from __future__ import annotations

import ast
import types
import typing
from dataclasses import dataclass
from typing import Any

from safegen.errors import InputError


@dataclass(frozen=True)
class Named:
    """A type hint safegen cannot resolve to a builtin type; strategies may be registered under its name."""

    name: str


@dataclass(frozen=True)
class Param:
    """One parameter the fuzzer supplies."""

    name: str
    annotation: Any  # a typing object (int, list[str], str | None, ...), Named, or typing.Any
    keyword_only: bool = False


@dataclass(frozen=True)
class Signature:
    """What the fuzzer needs to know about the entry point."""

    name: str
    params: tuple[Param, ...]
    lineno: int
    optional: tuple[Param, ...] = ()  # the parameters with defaults (not fuzzed; a probe may set one by name)

    @property
    def arity(self) -> int:
        return len(self.params)

    def to_call(self, values: tuple[Any, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Split one value per parameter into positional arguments and keyword-only arguments."""
        args = tuple(v for p, v in zip(self.params, values) if not p.keyword_only)
        kwargs = {p.name: v for p, v in zip(self.params, values) if p.keyword_only}
        return args, kwargs


_BUILTINS: dict[str, Any] = {
    "int": int, "float": float, "str": str, "bytes": bytes, "bytearray": bytearray, "bool": bool,
    "complex": complex, "None": type(None), "NoneType": type(None), "object": typing.Any, "Any": typing.Any,
    "list": list, "List": list, "Sequence": list, "MutableSequence": list, "Iterable": list, "Collection": list,
    "Iterator": list, "dict": dict, "Dict": dict, "Mapping": dict, "MutableMapping": dict, "set": set, "Set": set,
    "AbstractSet": set, "MutableSet": set, "frozenset": frozenset, "FrozenSet": frozenset, "tuple": tuple,
    "Tuple": tuple, "Optional": typing.Optional, "Union": typing.Union, "Literal": typing.Literal,
    "AnyStr": str, "Text": str, "ByteString": bytes,
}


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List, t.Optional, collections.abc.Sequence
        return node.attr
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return None


def resolve_annotation(node: ast.expr | None) -> Any:
    """Turn an annotation's AST into a typing object; anything unknown becomes Named or Any."""
    if node is None:
        return typing.Any
    try:
        return _resolve(node)
    except (TypeError, ValueError, SyntaxError, RecursionError):
        return typing.Any


def _resolve(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "int" or "list[str]" as a string
        return _resolve(ast.parse(node.value, mode="eval").body)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return typing.Union[_resolve(node.left), _resolve(node.right)]
    if isinstance(node, ast.Subscript):
        base = _name_of(node.value)
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Literal":
            values = tuple(ast.literal_eval(item) for item in items)
            return typing.Literal[values] if values else typing.Any
        if base == "Annotated":
            return _resolve(items[0])
        origin = _BUILTINS.get(base or "")
        if origin is None:
            return Named(base) if base else typing.Any
        if origin is typing.Optional:
            return typing.Optional[_resolve(items[0])]
        if origin is typing.Union:
            return typing.Union[tuple(_resolve(i) for i in items)]
        if origin is tuple:
            if len(items) == 2 and isinstance(items[1], ast.Constant) and items[1].value is Ellipsis:
                return tuple[_resolve(items[0]), ...]  # type: ignore[misc]
            return tuple[tuple(_resolve(i) for i in items)]  # type: ignore[misc]
        if origin in (list, set, frozenset) and items:
            return origin[_resolve(items[0])]
        if origin is dict and len(items) == 2:
            return dict[_resolve(items[0]), _resolve(items[1])]  # type: ignore[misc]
        return origin
    name = _name_of(node)
    if name is None:
        return typing.Any
    if name in _BUILTINS and _BUILTINS[name] not in (typing.Optional, typing.Union, typing.Literal):
        return _BUILTINS[name]
    return Named(name)


def find_function(tree: ast.Module, entry_point: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level definition of ``entry_point`` (later definitions win, as at run time)."""
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            found = node
    return found


def parse_signature(code: str, entry_point: str) -> Signature:
    """Parameters to fuzz: the required ones (those with defaults keep them). InputError if absent."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise InputError(f"the code is not valid Python: {exc.msg} (line {exc.lineno})") from None
    node = find_function(tree, entry_point)
    if node is None:
        raise InputError(f"the code defines no top-level function named {entry_point!r}",
                         hint="name a function defined at module level (FILE::FUNCTION)")
    if isinstance(node, ast.AsyncFunctionDef):
        raise InputError(f"{entry_point!r} is a coroutine function; safegen fuzzes plain functions")
    positional = node.args.posonlyargs + node.args.args
    required = len(positional) - len(node.args.defaults)
    params = [Param(a.arg, resolve_annotation(a.annotation)) for a in positional[:required]]
    optional = [Param(a.arg, resolve_annotation(a.annotation), keyword_only=True) for a in positional[required:]
                if a not in node.args.posonlyargs]
    for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults):
        (params if default is None else optional).append(
            Param(arg.arg, resolve_annotation(arg.annotation), keyword_only=True))
    return Signature(name=entry_point, params=tuple(params), lineno=node.lineno, optional=tuple(optional))


def value_matches(value: Any, annotation: Any) -> bool:
    """Shallow check that a value fits a hint (containers: their own type and the first few items)."""
    if annotation is typing.Any or isinstance(annotation, Named):
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(value_matches(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int)
    if annotation is complex:
        return isinstance(value, (int, float, complex))
    base = origin or annotation
    if not isinstance(base, type):
        return True
    if not isinstance(value, base):
        return False
    if args and isinstance(value, (list, set, frozenset)):
        return all(value_matches(v, args[0]) for v in list(value)[:20])
    if args and isinstance(value, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return all(value_matches(v, args[0]) for v in value[:20])
        return len(args) == len(value) and all(value_matches(v, a) for v, a in zip(value, args))
    if len(args) == 2 and isinstance(value, dict):
        return all(value_matches(k, args[0]) and value_matches(v, args[1]) for k, v in list(value.items())[:20])
    return True


def call_matches(signature: Signature, values: tuple[Any, ...]) -> bool:
    """True if every argument fits its parameter's hint."""
    return all(value_matches(v, p.annotation) for v, p in zip(values, signature.params))
