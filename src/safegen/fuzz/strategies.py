"""Type hint -> hypothesis strategy, through a registry users can extend (as hypothesis' own ``from_type``).

Register a strategy for a type or for a name as written in annotations::

    from hypothesis import strategies as st
    from safegen.fuzz.strategies import register_strategy
    register_strategy("EmailAddress", st.emails())
    register_strategy(ipaddress.IPv4Address, st.ip_addresses(v=4))

Values are drawn on the host with hypothesis' own engine (``@given`` with a fixed ``@seed``, no example
database), so runs are repeatable; they then travel to the sandbox as plain pickled values.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from safegen.fuzz.signature import Named

StrategyFactory = Callable[[Any], SearchStrategy[Any]]

MAX_TEXT = 64
MAX_ITEMS = 8
_storage: str | None = None  # hypothesis' home once chosen


def use_private_storage(cache_dir: str | None = None) -> None:
    """Keep hypothesis' caches out of the user's project (it writes .hypothesis/ into the working directory):
    under safegen's cache dir, unless HYPOTHESIS_STORAGE_DIRECTORY names a place. The first call decides."""
    global _storage
    if _storage or os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    from hypothesis.configuration import set_hypothesis_home_dir
    from platformdirs import user_cache_dir

    _storage = os.path.join(cache_dir or user_cache_dir("safegen"), "hypothesis")
    set_hypothesis_home_dir(_storage)

ANYTHING: SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=20),
    st.lists(st.integers(), max_size=5), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)

_REGISTRY: dict[Any, SearchStrategy[Any] | StrategyFactory] = {
    int: st.integers(),
    float: st.floats(),
    str: st.text(max_size=MAX_TEXT),
    bytes: st.binary(max_size=MAX_TEXT),
    bytearray: st.binary(max_size=MAX_TEXT).map(bytearray),
    bool: st.booleans(),
    complex: st.complex_numbers(),
    type(None): st.none(),
    typing.Any: ANYTHING,
}


def register_strategy(key: Any, strategy: SearchStrategy[Any] | StrategyFactory) -> None:
    """Use ``strategy`` for a type, or for an annotation name (a str); a factory gets the annotation."""
    _REGISTRY[key] = strategy


def registered(key: Any) -> bool:
    return key in _REGISTRY


def _lookup(key: Any, annotation: Any) -> SearchStrategy[Any] | None:
    try:
        found = _REGISTRY.get(key)
    except TypeError:  # unhashable annotation
        return None
    if found is None:
        return None
    if isinstance(found, SearchStrategy):
        return found
    return found(annotation)


def strategy_for(annotation: Any) -> SearchStrategy[Any]:
    """A strategy producing values of ``annotation`` (generics recursively); unknown types get ANYTHING."""
    if isinstance(annotation, Named):
        named = _lookup(annotation.name, annotation)
        return ANYTHING if named is None else named
    direct = _lookup(annotation, annotation)
    if direct is not None:
        return direct
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is not None:
        custom = _lookup(origin, annotation)
        if custom is not None:
            return custom
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list or annotation is list:
        return st.lists(strategy_for(args[0] if args else typing.Any), max_size=MAX_ITEMS)
    if origin is tuple or annotation is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=MAX_ITEMS).map(tuple)
        if args:
            return st.tuples(*(strategy_for(a) for a in args))
        return st.lists(ANYTHING, max_size=MAX_ITEMS).map(tuple)
    if origin in (set, frozenset) or annotation in (set, frozenset):
        kind = origin or annotation
        element = strategy_for(args[0]) if args else st.one_of(st.integers(), st.text(max_size=10))
        return st.sets(element, max_size=MAX_ITEMS).map(kind)
    if origin is dict or annotation is dict:
        keys = strategy_for(args[0]) if args else st.text(max_size=10)
        values = strategy_for(args[1]) if len(args) > 1 else ANYTHING
        return st.dictionaries(keys, values, max_size=MAX_ITEMS)
    if isinstance(annotation, type):
        try:
            return st.from_type(annotation)
        except Exception:
            return ANYTHING
    return ANYTHING


def draw_examples(strategy: SearchStrategy[Any], count: int, rng_seed: int) -> list[Any]:
    """Up to ``count`` distinct values from ``strategy``, repeatable for a given seed."""
    if count <= 0:
        return []
    drawn: list[Any] = []
    seen: set[str] = set()

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @seed(rng_seed)
    @given(strategy)
    def collect(value: Any) -> None:
        key = repr(value)
        if key not in seen:
            seen.add(key)
            drawn.append(value)

    collect()
    return drawn[:count]
