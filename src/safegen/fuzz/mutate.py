"""Type-aware mutation of seed inputs: boundary numbers, hostile strings and bytes, reshaped containers."""

from __future__ import annotations

import ast
import math
import random
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any

from safegen.fuzz.signature import Named

INT_BOUNDARIES = (0, 1, -1, 2, 255, 256, -129, 2**31 - 1, -(2**31), 2**32, 2**63 - 1, -(2**63), 2**64,
                  sys.maxsize, -sys.maxsize - 1, 10**100, -(10**100))
FLOAT_BOUNDARIES = (0.0, -0.0, 1.0, -1.0, 0.5, 1e-308, 5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan,
                    float(2**53 + 1), sys.float_info.epsilon)
# Strings an attacker would try: traversal, shell and SQL metacharacters, format strings, NUL, odd unicode.
STRING_PAYLOADS = (
    "", " ", "\n", "\r\n", "\t", "0", "-1", "1e309", "nan", "None", "null", "true",
    "../../../../etc/passwd", "..", "../", "/", "/etc/passwd", "C:\\Windows\\win.ini", "~", "~/.ssh/id_rsa",
    "; id", "| id", "&& id", "`id`", "$(id)", "${IFS}", "a\nid", "-rf", "--help", "*", "?",
    "'", '"', "\\", "' OR '1'='1", '" OR "1"="1', "'; DROP TABLE users; --", "%", "%s%s%s%n", "%x" * 8,
    "{}", "{0}", "{0.__class__}", "{self}", "%(name)s", "$HOME", "<script>alert(1)</script>", "<!--", "]]>",
    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
    "a\x00b", "\x00", "\x7f", "\ufeff", "\u202e", "\ud800", "Ω≈ç√∫", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ﷺ", "İ", "ß",
    "http://127.0.0.1:22/", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "\\\\server\\share",
    "A" * 1000, "A" * 100_000, "(" * 5000, "[" * 5000, "9" * 5000, "a" * 64 + "!",
)
BYTES_PAYLOADS = tuple(p.encode("utf-8", "surrogatepass") for p in STRING_PAYLOADS) + (
    b"\xff\xfe", b"\x80", b"\xc3\x28", b"\x00" * 64, b"\xff" * 1024, bytes(range(256)),
    b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\x1f\x8b\x08", b"<?xml", b"{\"a\":" * 1000,
)


@dataclass(frozen=True)
class Constants:
    """Literals found in the target's code: comparing against them is where branches hide."""

    ints: tuple[int, ...] = ()
    floats: tuple[float, ...] = ()
    strings: tuple[str, ...] = ()
    blobs: tuple[bytes, ...] = ()


def code_constants(code: str, limit: int = 40) -> Constants:
    """Numbers (with their neighbours), short strings and bytes written in ``code``."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return Constants()
    ints: dict[int, None] = {}
    floats: dict[float, None] = {}
    strings: dict[str, None] = {}
    blobs: dict[bytes, None] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        value = node.value
        if isinstance(value, int) and abs(value) < 2**64:
            for near in (value, value - 1, value + 1, -value):
                ints.setdefault(near)
        elif isinstance(value, float):
            floats.setdefault(value)
            floats.setdefault(-value)
        elif isinstance(value, str) and 0 < len(value) <= 200 and "\n" not in value[:-1]:
            strings.setdefault(value)
        elif isinstance(value, bytes) and 0 < len(value) <= 200:
            blobs.setdefault(value)
    return Constants(tuple(ints)[:limit], tuple(floats)[:limit], tuple(strings)[:limit], tuple(blobs)[:limit])


def boundary_values(annotation: Any, constants: Constants = Constants()) -> list[Any]:
    """Values at the edges of a type (and the code's own literals of that type), tried before random ones."""
    if annotation is int:
        return list(dict.fromkeys(constants.ints + INT_BOUNDARIES))
    if annotation is float:
        return list(constants.floats) + [float(i) for i in constants.ints[:8]] + list(FLOAT_BOUNDARIES)
    if annotation is str:
        return list(dict.fromkeys(constants.strings + STRING_PAYLOADS))
    if annotation in (bytes, bytearray):
        encoded = tuple(s.encode("utf-8", "surrogatepass") for s in constants.strings)
        return [annotation(b) for b in dict.fromkeys(constants.blobs + encoded + BYTES_PAYLOADS)]
    return _type_boundaries(annotation, constants)


def _type_boundaries(annotation: Any, constants: Constants) -> list[Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is bool:
        return [True, False]
    if origin in (typing.Union, types.UnionType):
        values: list[Any] = []
        for arg in args:
            values.extend(boundary_values(arg, constants)[:12])
        return values
    if origin is typing.Literal:
        return list(args)
    if origin is list or annotation is list:
        inner = boundary_values(args[0], constants) if args else [None, 0, ""]
        return [[], [None], inner[:1], inner[:8], inner[:1] * 10_000]
    if origin is dict or annotation is dict:
        return [{}, {"": None}, {None: None}, {"__proto__": 1, "../x": "y"}]
    if origin is tuple or annotation is tuple:
        return [()]
    if origin in (set, frozenset) or annotation in (set, frozenset):
        return [(origin or annotation)()]
    if annotation is type(None):
        return [None]
    if annotation is typing.Any or isinstance(annotation, Named):
        return [*constants.ints[:8], *constants.strings[:8], None, 0, -1, "", "../../etc/passwd", "; id",
                b"\x00", [], {}, 10**100, math.nan]
    return [None]


class Mutator:
    """Deterministic (seeded) mutations of one argument value, chosen by the value's own type."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def mutate(self, value: Any, depth: int = 0) -> Any:
        rng = self.rng
        if rng.random() < 0.05:
            return None
        if isinstance(value, bool):
            return not value
        if isinstance(value, int):
            return self._int(value)
        if isinstance(value, float):
            return self._float(value)
        if isinstance(value, str):
            return self._str(value)
        if isinstance(value, (bytes, bytearray)):
            return type(value)(self._bytes(bytes(value)))
        if isinstance(value, list):
            return self._list(value, depth)
        if isinstance(value, tuple):
            return tuple(self._list(list(value), depth))
        if isinstance(value, (set, frozenset)):
            items = self._list(list(value), depth)
            try:
                return type(value)(items)
            except TypeError:
                return type(value)()
        if isinstance(value, dict):
            return self._dict(value, depth)
        if value is None:
            return rng.choice([0, "", b"", [], {}, "../../etc/passwd", -1])
        return value

    def _int(self, value: int) -> int:
        rng = self.rng
        choice = rng.randrange(6)
        if choice == 0:
            return rng.choice(INT_BOUNDARIES)
        if choice == 1:
            return value + rng.choice((-1, 1))
        if choice == 2:
            return -value
        if choice == 3:
            return value * rng.choice((2, 10, 2**16, 2**32))
        if choice == 4:
            return value ^ (1 << rng.randrange(64))
        return rng.choice((0, -1, 1))

    def _float(self, value: float) -> float:
        rng = self.rng
        choice = rng.randrange(4)
        if choice == 0:
            return rng.choice(FLOAT_BOUNDARIES)
        if choice == 1:
            return -value
        if choice == 2:
            return value * rng.choice((1e10, 1e-10, 1e300))
        return value + rng.choice((-1.0, 1.0, 0.1))

    def _str(self, value: str) -> str:
        rng = self.rng
        payload = rng.choice(STRING_PAYLOADS)
        choice = rng.randrange(8)
        if choice == 0 or not value:
            return payload
        position = rng.randrange(len(value) + 1)
        if choice == 1:
            return value[:position] + payload + value[position:]
        if choice == 2:
            return value + payload
        if choice == 3:
            return payload + value
        if choice == 4:
            return value * rng.choice((2, 100, 10_000))
        if choice == 5:
            return value[:position]
        if choice == 6:
            return value[:position] + rng.choice("'\"\\;|&$`%{}<>\x00\n./") + value[position:]
        return value.upper() if rng.random() < 0.5 else value[::-1]

    def _bytes(self, value: bytes) -> bytes:
        rng = self.rng
        choice = rng.randrange(6)
        if choice == 0 or not value:
            return rng.choice(BYTES_PAYLOADS)
        position = rng.randrange(len(value))
        if choice == 1:
            flipped = bytearray(value)
            flipped[position] ^= 1 << rng.randrange(8)
            return bytes(flipped)
        if choice == 2:
            return value[:position]
        if choice == 3:
            return value + rng.choice(BYTES_PAYLOADS)
        if choice == 4:
            return value * rng.choice((2, 100, 10_000))
        return value[:position] + bytes([rng.choice((0, 0xFF, 0x80, 0x7F))]) + value[position + 1:]

    def _list(self, value: list[Any], depth: int) -> list[Any]:
        rng = self.rng
        choice = rng.randrange(7)
        if choice == 0 or not value:
            return rng.choice(([], [None], [value], value * 1000 if value else [0] * 1000))
        position = rng.randrange(len(value))
        if choice == 1:
            return value[:position] + value[position + 1:]
        if choice == 2:
            return value + [value[position]]
        if choice == 3:
            return list(reversed(value))
        if choice == 4:
            return value[:position] + [None] + value[position + 1:]
        if choice == 5 and depth < 3:
            return value[:position] + [self.mutate(value[position], depth + 1)] + value[position + 1:]
        return value * rng.choice((2, 1000))

    def _dict(self, value: dict[Any, Any], depth: int) -> dict[Any, Any]:
        rng = self.rng
        choice = rng.randrange(5)
        result = dict(value)
        if choice == 0 or not value:
            return rng.choice(({}, {"": None}, {"../x": "$(id)"}))
        key = rng.choice(list(value))
        if choice == 1:
            del result[key]
        elif choice == 2:
            result[key] = None
        elif choice == 3 and depth < 3:
            result[key] = self.mutate(value[key], depth + 1)
        else:
            result[rng.choice(STRING_PAYLOADS[:40])] = rng.choice((None, 0, "", []))
        return result

    def mutate_call(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Mutate one or (sometimes) several arguments of a call."""
        if not values:
            return values
        result = list(values)
        count = 1 if self.rng.random() < 0.7 else self.rng.randint(1, len(values))
        for position in self.rng.sample(range(len(values)), min(count, len(values))):
            result[position] = self.mutate(result[position])
        return tuple(result)
