"""Legitimate callers refused: calls the requirement and the module's own records say must succeed.

The attacks ask whether an outsider gets through; this asks the mirror question, because a function that
refuses everyone survives every attack and still does not do its job (an owner refused, an administrator
denied, the genuine signature rejected). Each grant is data (``GRANTS``): the requirement words that allow a
caller, and how its call is built from the module's own records (module-level dict literals, read from the
syntax tree, never guessed): the administrator is a record whose role field says so, the owner is the value of
a record's owner field, the genuine signature is the value a module table keeps for a key. Each call has a twin
without the right (a known user in no record the call acts on, else an identity no record names; a forged
signature), or a known answer (arithmetic); attack/legitimate_check.py runs them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safegen import astutil
from safegen.attack.inputs import (
    ACTOR_WORDS,
    ID_WORDS,
    OUTSIDER_ID,
    QUANTITY_WORDS,
    REFERENCE_WORDS,
    RESOURCE_WORDS,
    SIGNATURE_WORDS,
    _is_actor,
    _is_role,
    _kind_of,
    _words,
    plain_value,
    shown_value,
)
from safegen.attack.targets import FunctionTarget, find_targets
from safegen.fuzz.signature import Param

ROLE_FIELDS = frozenset({"type", "group", "level", "access", "access_level", "privilege", "rank", "account_type"})
ADMIN_VALUES = frozenset({"admin", "administrator", "superuser", "root", "sysadmin", "superadmin", "super_admin"})
OWNER_FIELDS = frozenset({"owner", "owner_id", "creator", "creator_id", "created_by", "author", "author_id",
                          "owned_by", "uploader", "uploaded_by", "owner_user_id"})
FORGED = "sgx0forged0signature0"


@dataclass(frozen=True)
class Grant:
    """Who the requirement allows (its words), and the reason shown to the model."""

    id: str
    words: str  # a regular expression the requirement must match for the grant to apply
    reason: str


GRANTS = (
    Grant("administrator", r"\badmin(istrator)?s?\b", "the task lets administrators do this"),
    Grant("owner", r"\b(owner|creator|author)s?\b|\bown(s|ed)?\b", "the task lets the owner do this"),
    Grant("genuine-signature", r"\bsign(ature|ed|ing)?s?\b|\bhmac\b", "a valid signature must be accepted"),
    Grant("arithmetic", r"\b(math(ematical)?|arithmetic)\b|\bcalculat", "the task evaluates arithmetic"),
)
ARITHMETIC = ("2 + 3 * 4", r"^\(?14(\.0+)?\)?$")  # plain arithmetic, and the answer any evaluator of it gives
EXPRESSION_WORDS = frozenset({"expr", "expression", "exp", "formula", "equation", "math", "calculation", "calc",
                              "arithmetic", "input", "query", "string", "str", "statement", "text", "user"})


@dataclass(frozen=True)
class LegitimateCall:
    """A call a grant says must succeed, and the same call by an outsider (the control)."""

    grant: str
    why: str  # where the records name the caller: "PROJECTS[101]['owner_id'] is 2"
    spec: dict[str, Any]
    shown: str
    outsider_spec: dict[str, Any] | None  # None: the answer is known instead (``expected``)
    outsider_shown: str
    expected: str = ""  # a regular expression the answer's text must match


def module_tables(code: str) -> dict[str, dict[Any, Any]]:
    """Module-level ``NAME = {...}`` literals of ``code`` (the task's setup included), by name."""
    tree = astutil.parse(code)
    found: dict[str, dict[Any, Any]] = {}
    for node in tree.body if tree else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Dict):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
            if isinstance(value, dict) and value:
                found[node.targets[0].id] = value
    return found


def _records(tables: dict[str, dict[Any, Any]]) -> dict[str, dict[Any, dict[str, Any]]]:
    return {name: table for name, table in tables.items() if all(isinstance(v, dict) for v in table.values())}


def _is_admin(record: dict[str, Any]) -> bool:
    if record.get("is_admin") is True or record.get("admin") is True:
        return True
    return any(isinstance(k, str) and ("role" in k.lower() or k.lower() in ROLE_FIELDS)
               and str(v).lower() in ADMIN_VALUES for k, v in record.items())


def _fits(value: Any, param: Param) -> bool:
    kinds = _kind_of(param.annotation)
    return type(value) in kinds or not kinds & {int, str, bytes, float, bool, dict, list}


def _pick(keys: Sequence[Any], param: Param, avoid: Sequence[Any] = ()) -> Any | None:
    """The last key of the param's type that is not to be avoided (the first is often the administrator)."""
    fitting = [k for k in keys if _fits(k, param) and k not in avoid]
    return fitting[-1] if fitting else None


def _names_resource(param: Param) -> bool:
    """A parameter naming a record: by its words, or an int that counts nothing (as the outsider call reads it)."""
    words, kinds = _words(param.name), _kind_of(param.annotation)
    if kinds == {int} and not words & QUANTITY_WORDS:
        return True
    return bool(words & (ID_WORDS | RESOURCE_WORDS | REFERENCE_WORDS)) and bool(
        kinds & {int, str} or not kinds & {dict, list, bytes})


def _names_person(param: Param) -> bool:
    """A parameter naming a person by id, acting or acted on (``member_user_id``, ``target_member_id``)."""
    words = _words(param.name)
    return bool(words & ACTOR_WORDS) and bool(words & ID_WORDS) and bool(_kind_of(param.annotation) & {int, str})


def _tables_for(param: Param, tables: dict[str, dict[Any, Any]]) -> list[dict[Any, Any]]:
    """The record tables, those whose name shares a word with the parameter's first (``cid`` -> ``CONTENT``)."""
    words = {w.rstrip("s") for w in _words(param.name) - ID_WORDS if len(w) > 1}
    initial = param.name[:1].lower()

    def score(name: str) -> int:
        named = {w.rstrip("s") for w in _words(name)}
        return 2 if words & named else 1 if any(w.startswith(initial) for w in named) else 0
    return [tables[n] for n in sorted(tables, key=lambda n: -score(n))]


def _call(target: FunctionTarget, values: list[Any]) -> tuple[dict[str, Any], str]:
    args = [v for v, p in zip(values, target.params) if not p.keyword_only]
    kwargs = {p.name: v for v, p in zip(values, target.params) if p.keyword_only}
    parts = [shown_value(a) for a in args] + [f"{k}={shown_value(v)}" for k, v in kwargs.items()]
    return {"function": target.name, "args": args, "kwargs": kwargs, "setup": []}, f"{target.name}({', '.join(parts)})"


def _legitimate(grant: str, why: str, target: FunctionTarget, values: list[Any], outsider: list[Any]) -> LegitimateCall:
    spec, shown = _call(target, values)
    outsider_spec, outsider_shown = _call(target, outsider)
    return LegitimateCall(grant, why, spec, shown, outsider_spec, outsider_shown)


def _compared(target: FunctionTarget, param: Param) -> Any | None:
    """The first text the body compares this parameter with (``action == 'add'``): a value it accepts."""
    return next((text for name, text in target.compared if name == param.name), None)


def _contents(record: Any) -> list[Any]:
    """The scalars a record holds (its members' ids, its owner): a person acted on should not be one already."""
    if isinstance(record, dict):
        return [x for v in record.values() for x in _contents(v)]
    if isinstance(record, (list, tuple, set)):
        return [x for v in record for x in _contents(v)]
    return [record]


def _acting_call(target: FunctionTarget, actor: Param, who: Any, role: str | None, users: dict[Any, Any],
                 resource: tuple[dict[Any, Any], Any] | None, others: dict[str, dict[Any, Any]]) -> list[Any] | None:
    """The call's values with ``who`` acting; resource parameters name ``resource`` (a table and one of its keys)
    or a key of another record table, and a person acted on is one those records do not already hold (adding a
    member twice is refused by correct code too); ``None`` when a parameter that names a record cannot be filled."""
    values: dict[str, Any] = {}
    held: list[Any] = [who]
    for param in target.params:  # the records first: the person acted on depends on them
        if param is actor or _is_role(param) or _names_person(param) or _compared(target, param) is not None \
                or not _names_resource(param):
            continue
        if resource is not None and _fits(resource[1], param):
            values[param.name] = resource[1]
            held += _contents(resource[0][resource[1]])
            continue
        found = next(((t, k) for t in _tables_for(param, others) if (k := _pick(list(t), param)) is not None), None)
        if found is None:
            return None
        values[param.name] = found[1]
        held += _contents(found[0][found[1]])
    for param in target.params:
        if param.name in values:
            continue
        if param is actor:
            values[param.name] = who
        elif _is_role(param):
            if role is None:
                return None
            values[param.name] = role
        elif _names_person(param):  # another person, acted on (``target_member_id``)
            key = _pick(list(users), param, avoid=held)
            values[param.name] = key if key is not None else plain_value(param)
        elif _compared(target, param) is not None:  # a value the body accepts (``action == 'add'``)
            values[param.name] = _compared(target, param)
        else:
            values[param.name] = plain_value(param)
    return [values[p.name] for p in target.params]


def _outsider(target: FunctionTarget, actor: Param, values: list[Any], users: dict[Any, Any],
              records: dict[str, dict[Any, dict[str, Any]]]) -> list[Any]:
    """The same call by a known user with no right to it (not an administrator, named in none of the records the
    call acts on): code that only looks the caller up would refuse an unknown one for the wrong reason. Without
    such a user, an identity no record names."""
    mentioned: list[Any] = []
    for value in values:
        for table in records.values():
            try:
                if value in table:
                    mentioned += _contents(table[value])
            except TypeError:  # an unhashable value names no record
                continue
    insiders = [k for k, record in users.items() if isinstance(record, dict) and not _is_admin(record)
                and k not in values and k not in mentioned and _fits(k, actor)]
    kinds = _kind_of(actor.annotation)
    outsider = insiders[-1] if insiders else OUTSIDER_ID if int in kinds and str not in kinds else f"sgx-{OUTSIDER_ID}"
    return [outsider if p is actor else "guest" if _is_role(p) else v for p, v in zip(target.params, values)]


def _administrator_calls(target: FunctionTarget, records: dict[str, dict[Any, dict[str, Any]]]) -> list[LegitimateCall]:
    actor = next((p for p in target.params if _is_actor(p)), None)
    if actor is None:
        return []
    for name, table in records.items():
        admins = [(key, record) for key, record in table.items() if _is_admin(record) and _fits(key, actor)]
        if not admins:
            continue
        key, record = admins[0]
        role = next((str(v) for k, v in record.items() if str(v).lower() in ADMIN_VALUES), "admin")
        others = {n: t for n, t in records.items() if n != name}
        values = _acting_call(target, actor, key, role, table, None, others)
        if values is not None:
            # rights beyond the role (a subscription) may let another known user in: the twin is an identity no
            # record names
            return [_legitimate("administrator", f"{name}[{key!r}] has the role {role!r}", target, values,
                                _outsider(target, actor, values, {}, records))]
    return []


def _owner_calls(target: FunctionTarget, records: dict[str, dict[Any, dict[str, Any]]]) -> list[LegitimateCall]:
    actor = next((p for p in target.params if _is_actor(p)), None)
    if actor is None or any(_is_role(p) for p in target.params):  # an owner's role is not for us to choose
        return []
    found: list[LegitimateCall] = []
    for name, table in records.items():
        for key, record in table.items():
            field = next((f for f in record if isinstance(f, str) and f.lower() in OWNER_FIELDS), None)
            if field is None or not _fits(record[field], actor):
                continue
            owner = record[field]
            users: dict[Any, Any] = next((t for n, t in records.items() if n != name and owner in t), {owner: {}})
            others = {n: t for n, t in records.items() if n != name}
            values = _acting_call(target, actor, owner, None, users, (table, key), others)
            if values is None or not any(v == key for v in values):
                continue
            twin = _outsider(target, actor, values, users, records)
            found.append(_legitimate("owner", f"{owner!r} is the {field} of {name}[{key!r}]", target, values, twin))
            if twin[target.params.index(actor)] in users:  # a known user without the right: the better twin
                return found[-1:]
    return found[:1]


def _signature_calls(target: FunctionTarget, tables: dict[str, dict[Any, Any]]) -> list[LegitimateCall]:
    slot = next((p for p in target.params
                 if _words(p.name) & SIGNATURE_WORDS and _kind_of(p.annotation) & {str, bytes}), None)
    keyed = [p for p in target.params if p is not slot and _kind_of(p.annotation) & {str, int}
             and not _kind_of(p.annotation) & {dict, list, bytes}]
    if slot is None or not keyed:
        return []
    for name, table in tables.items():
        pairs = [(k, v) for k, v in table.items() if _fits(k, keyed[0]) and isinstance(v, (str, bytes)) and v]
        if not pairs or len(pairs) != len(table):
            continue
        key, signature = pairs[0]
        if isinstance(signature, bytes) or bytes in _kind_of(slot.annotation) and str not in _kind_of(slot.annotation):
            continue  # a table of raw keys, not of signatures a caller sends
        values = [signature if p is slot else key if p is keyed[0] else plain_value(p) for p in target.params]
        forged = [FORGED if p is slot else v for p, v in zip(target.params, values)]
        return [_legitimate("genuine-signature", f"the signature given is {name}[{key!r}]", target, values, forged)]
    return []


def _arithmetic_calls(target: FunctionTarget) -> list[LegitimateCall]:
    """Plain arithmetic in the parameter that takes the expression (the only text one, or one named for it)."""
    if len(target.params) != 1:
        return []
    kinds = _kind_of(target.params[0].annotation)
    named = bool(_words(target.params[0].name) & EXPRESSION_WORDS)
    if str not in kinds and (kinds & {int, float, bytes, dict, list} or not named):
        return []
    expression, expected = ARITHMETIC
    spec, shown = _call(target, [expression])
    return [LegitimateCall("arithmetic", "14", spec, shown, None, "", expected)]


def legitimate_calls(code: str, requirement: str, name: str) -> list[LegitimateCall]:
    """The calls the requirement's words and the module's records say ``name`` must answer (``code`` is the whole
    module, setup first)."""
    targets = [t for t in find_targets(code, name) if isinstance(t, FunctionTarget)]
    if not targets or not requirement:
        return []
    tables = module_tables(code)
    records = _records(tables)
    calls: list[LegitimateCall] = []
    for grant in GRANTS:
        if not re.search(grant.words, requirement, re.IGNORECASE):
            continue
        if grant.id == "administrator":
            calls += _administrator_calls(targets[0], records)
        elif grant.id == "owner":
            calls += _owner_calls(targets[0], records)
        elif grant.id == "genuine-signature":
            calls += _signature_calls(targets[0], {n: t for n, t in tables.items() if n not in records})
        else:
            calls += _arithmetic_calls(targets[0])
    return calls


__all__ = ["GRANTS", "Grant", "LegitimateCall", "legitimate_calls", "module_tables"]
