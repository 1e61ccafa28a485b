"""Turn (probe, target, payload) into the harness's job items, and each item into a reproducer a user can read.

A payload goes into one parameter at a time (the others get plain values); a request carries it in
every parameter the handler reads, and in the usual names as well.
"""

from __future__ import annotations

import base64
import dataclasses
import typing
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from safegen.attack.probes import (
    ARCHIVE, BINARY, BULK, FIELDS, FORGED, INTEGER, PRINCIPAL, TEXT, TOKENLESS, Probe,
)
from safegen.attack.targets import FALLBACK_NAMES, FunctionTarget, RouteTarget, Target
from safegen.fuzz.signature import Named, Param
from safegen.fuzz.triage import compact_repr

PRINCIPAL_NAMES = frozenset({"user", "current_user", "requester", "caller", "actor", "account", "principal",
                             "requesting_user", "session_user", "viewer", "editor", "member"})
ROLE_NAMES = frozenset({"role", "user_role"})
FLAG_NAMES = frozenset({"is_admin", "admin", "is_owner", "authorized", "is_authenticated"})
CONNECTION_NAMES = frozenset({"conn", "connection", "db", "db_conn", "database", "con"})
CURSOR_NAMES = frozenset({"cursor", "cur"})
# who acts, and what is acted on: the missing-authorization probe's outsider call (inputs._is_actor)
ACTOR_WORDS = frozenset({"user", "usr", "u", "requester", "requesting", "actor", "caller", "current", "active", "acting",
                         "staff", "member", "account", "viewer", "editor", "employee", "operator", "initiator",
                         "executor", "uid", "login", "worker", "personnel", "admin", "modifier", "emp", "reviewer",
                         "approver", "agent", "person", "updater", "reader", "accessor", "requestor"})
ID_WORDS = frozenset({"id", "identifier", "uid", "name", "num"})  # an identity; a token or session is a credential
RESOURCE_WORDS = frozenset({"profile", "affected", "target", "viewing", "viewed", "owner", "creator", "other",
                            "recipient", "patient", "project", "doc", "document", "content", "invoice", "order",
                            "file", "resource", "record", "item", "account_to", "subject", "new", "updated"})
# what names an existing record besides ids and resources (abbreviations included): the outsider acts on one
REFERENCE_WORDS = frozenset({"key", "ref", "number", "code", "account", "acct", "acc", "proj", "ident"})
QUANTITY_WORDS = frozenset({"amount", "count", "size", "limit", "value", "quantity", "total", "max", "min", "age",
                            "length", "number", "page", "offset", "timeout", "days", "hours", "seconds"})
OUTSIDER_ID = 424242  # no data names this caller
# a parameter naming where data is kept or who sent it (its last word): the unbounded-store probe fills the others
KEY_WORDS = ID_WORDS | {"key", "tag", "ref", "reference", "room", "channel", "chat", "user", "sender", "author",
                        "member", "participant", "client", "account", "target", "owner", "alias", "handle", "username",
                        "login", "nickname"}
SIGNATURE_WORDS = frozenset({"signature", "sig", "sign", "signed", "hmac", "mac"})  # the forged-signature probe's slot
PRIVILEGE_WORDS = frozenset({"admin", "privileged", "privilege", "authorized", "owner", "staff", "superuser",
                             "elevated", "rights", "permission", "moderator", "root"})
ROLE_WORDS = frozenset({"role", "level", "group", "rank"})  # a parameter holding the caller's role
HIGH_ROLE_WORDS = frozenset({"manager", "supervisor", "lead", "editor", "superuser", "administrator", "chief", "head"})
CHANGE_WORDS = frozenset({"change", "changes", "update", "updates", "data", "alteration", "alterations",
                          "modification", "modifications", "new", "payload", "fields", "attrs", "values", "patch",
                          "input", "edits", "delta", "diff"})
# parameters that choose a format, method or algorithm: a probe's ``choice`` goes there (the attacker picks it)
CHOICE_WORDS = ("format", "method", "kind", "type", "mode", "serializ", "fmt", "protocol", "loader", "algo", "hash",
                "digest", "cipher", "scheme")
PATH_ORACLES = frozenset({"path", "traversal"})  # probes whose payload is a path: a directory is their base
DIRECTORY_NAMES = frozenset({"dest", "destination", "dest_dir", "target_dir", "output_dir", "out_dir", "outdir",
                             "extract_to", "extract_dir", "extract_path", "directory", "folder", "base_dir",
                             "target_path", "output_path", "dest_path", "to_dir", "into"})


@dataclass(frozen=True)
class Plan:
    """One execution: what is attacked with which payload, the harness's item, and how to show the input."""

    probe: Probe
    target: Target
    payload: str | int
    spec: dict[str, Any]
    shown: str  # the call or request as a user would write it
    source: str = "generic"  # "generic" or "agent"
    position: int | None = None  # which of a function's parameters carries the payload (None: several, a request)
    purpose_named: bool = True  # the requirement, or else the target's own name or docstring, names the topic


def _kind_of(annotation: Any) -> set[type]:
    """The builtin types a hint admits (Any and unknown names: str, the commonest input)."""
    if annotation is typing.Any or isinstance(annotation, Named):
        return {str}
    origin = typing.get_origin(annotation)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return set().union(*(_kind_of(a) for a in typing.get_args(annotation) if a is not type(None)))
    base = origin or annotation
    return {base} if isinstance(base, type) else {str}


def _special(param: Param) -> Any | None:
    """Values chosen by a parameter's name: a database, a directory, a caller without privileges."""
    name = param.name.lower()
    if name in CONNECTION_NAMES and str not in _kind_of(param.annotation) - {typing.Any}:
        return {"$": "sqlite"}
    if name in CONNECTION_NAMES or name in CURSOR_NAMES:
        return {"$": "cursor"} if name in CURSOR_NAMES else {"$": "sqlite"}
    if name in DIRECTORY_NAMES:
        return {"$": "dir", "name": "sgx_out"}
    if name in PRINCIPAL_NAMES:
        return {"$": "principal"}
    if name in ROLE_NAMES:
        return "guest"
    if name in FLAG_NAMES or (
            _kind_of(param.annotation) == {bool} and _words(name) & PRIVILEGE_WORDS):
        return False  # the caller holds no privilege
    return None


def plain_value(param: Param) -> Any:
    """A harmless value of the parameter's type, without the attack marker."""
    special = _special(param)
    if special is not None:
        return special
    kinds = _kind_of(param.annotation)
    for kind, value in ((str, "report.txt" if "file" in param.name or "path" in param.name else "alice"),
                        (bool, True), (int, 1), (float, 1.0), (bytes, {"$": "bytes", "b64": "ZGF0YQ=="}),
                        (list, []), (dict, {}), (tuple, []), (set, [])):
        if kind in kinds:
            return value
    return "alice"


def _caller_text(probe: Probe, param: Param) -> bool:
    """A directory the caller names is the trusted base only to the probes about paths (traversal, archives);
    to the others it is text the caller sends (``os.popen("du -sh " + folder)``)."""
    return (param.name.lower() in DIRECTORY_NAMES and probe.kind == TEXT and probe.oracle not in PATH_ORACLES
            and str in _kind_of(param.annotation))


def _filled(probe: Probe, param: Param) -> Any:
    """The value ``param`` holds while another parameter carries the probe's payload."""
    value = plain_value(param)
    if not isinstance(value, str) or _special(param) is not None:
        return value
    return probe.choice if _chooses(probe, param) else (probe.filler or value)


def _chooses(probe: Probe, param: Param) -> bool:
    """Whether ``param`` picks a format or method and the probe has a pick for it."""
    return bool(probe.choice) and str in _kind_of(param.annotation) and any(
        word in param.name.lower() for word in CHOICE_WORDS)


def _pathish(param: Param) -> bool:
    return any(word in param.name.lower() for word in ("path", "file", "name", "archive"))


def _argument(probe: Probe, payload: str | int, param: Param) -> Any | None:
    """The payload as a value for ``param``, or None when this parameter cannot carry it."""
    if _special(param) is not None and not _caller_text(probe, param):
        return None
    kinds = _kind_of(param.annotation)
    if probe.kind == INTEGER:
        return payload if int in kinds and bool not in kinds else None
    if probe.kind == BULK:  # built in the sandbox: "sgx" * n, or a mapping or list of n // 10 parts
        if names_a_key(param.name):
            return None  # a store's key or its sender is not the data it keeps
        if not isinstance(payload, int):  # an ordinary input (Probe.benign) in the payload's place
            return payload if str in kinds else None
        shape = "dict" if dict in kinds else "list" if kinds & {list, tuple, set} else "text" if str in kinds else ""
        return {"$": "bulk", "n": int(payload) // (1 if shape == "text" else 10), "shape": shape} if shape else None
    text = str(payload)
    if probe.kind == ARCHIVE:
        archive = {"format": probe.archive_format, "member": text}
        if bytes in kinds:
            return {"$": "bytes", "archive": archive}
        return {"$": "file", "name": f"sgx.{probe.archive_format}", "archive": archive} if str in kinds else None
    if probe.kind == BINARY:
        if bytes in kinds:
            return {"$": "bytes", "b64": text}
        if str in kinds and _pathish(param):
            return {"$": "file", "name": "sgx.bin", "b64": text}
        if param.annotation is typing.Any:
            return {"$": "bytes", "b64": text}  # an untyped data parameter: serialized data is bytes
        return text if str in kinds else None
    if bytes in kinds:
        return {"$": "bytes", "b64": base64.b64encode(text.encode()).decode()}
    return text if str in kinds else None


def shown_value(value: Any) -> str:
    """A value as the reproducer shows it (built values as a description)."""
    if isinstance(value, dict) and "$" in value:
        kind = value["$"]
        if kind == "bytes" and "b64" in value:
            return compact_repr(base64.b64decode(value["b64"]), 300)
        if "archive" in value:
            archive = value["archive"]
            where = f"file {value['name']!r}" if kind == "file" else "bytes"
            return f"<{archive['format']} archive ({where}) with the member {archive['member']!r}>"
        if kind == "request_dict":
            return "{'headers': {}, 'body': <the ids of an existing record, plausible values otherwise>}"
        if kind == "bulk":
            n, shape = value.get("n", 0), value.get("shape")
            return f"{{'sgx0': 'sgx', ... {n} keys}}" if shape == "dict" else f"['sgx'] * {n}" if shape == "list" \
                else f"'sgx' * {n}"
        if kind == "file":
            return f"<file {value['name']!r} holding {compact_repr(base64.b64decode(value['b64']), 200)}>"
        return {"dir": "<an empty directory>", "sqlite": "sqlite3.connect(':memory:')",
                "cursor": "sqlite3.connect(':memory:').cursor()",
                "principal": "<a caller without role or ownership: role='guest', is_admin=False, id=2>",
                "module_key": "<a key of the module's own records>"}.get(kind, repr(value))
    return compact_repr(value, 300)


def function_plans(probe: Probe, target: FunctionTarget, payloads: tuple[str | int, ...] | None = None,
                   source: str = "generic") -> list[Plan]:
    """The payload in each parameter that can carry it in turn; a probe of a caller's role needs such a parameter."""
    plans: list[Plan] = []
    plain = [_filled(probe, p) for p in target.params]
    chosen = {p.name: probe.choice for p in target.optional if _chooses(probe, p)}  # the attacker picks the format
    if probe.kind == FIELDS:
        return _fields_plans(probe, target, source)
    if probe.kind == FORGED:
        return _forged_plans(probe, target, source)
    if probe.kind == TOKENLESS:  # a request in a dict without any token; its body names an existing record
        values = [{"$": "request_dict"} if p.name in target.requests else plain for p, plain in zip(target.params, plain)]
        return [_function_plan(probe, target, "no-token", values, source)] if target.requests else []
    if probe.kind == PRINCIPAL:
        if any(p.name.lower() in PRINCIPAL_NAMES | ROLE_NAMES | FLAG_NAMES for p in target.params):
            plans.append(_function_plan(probe, target, "principal", plain, source))
        actor = next((p for p in target.params if _is_actor(p)), None)
        if actor is not None:
            plans += [_function_plan(probe, target, "outsider", _outsider_call(target, actor, role), source)
                      for role in _low_roles(target)]
        return plans
    for payload in payloads if payloads is not None else probe.payloads:
        for position, param in enumerate(target.params):
            value = _argument(probe, payload, param)
            if value is None:
                continue
            values = list(plain)
            values[position] = value
            plans.append(_function_plan(probe, target, payload, values, source, chosen, position))
        if target.reads_stdin and probe.kind == TEXT:
            plans.append(_stdin_plan(_function_plan(probe, target, payload, plain, source, chosen), str(payload)))
    return plans


def _stdin_plan(plan: Plan, text: str) -> Plan:
    """The call with ``text`` on every line of standard input (a function that asks more than once gets it each time)."""
    lines = "\n".join([text] * 4) + "\n"
    spec = dict(plan.spec, stdin=lines)
    return dataclasses.replace(plan, spec=spec, shown=f"import io, sys; sys.stdin = io.StringIO({lines!r}); {plan.shown}")


def _fields_plans(probe: Probe, target: FunctionTarget, source: str) -> list[Plan]:
    """A record and the changes to it: the changes name a field no allow-list holds (mass assignment)."""
    dicts = [p for p in target.params if dict in _kind_of(p.annotation)]
    changes = [p for p in dicts if _words(p.name) & CHANGE_WORDS]
    if not changes or len(dicts) < 2:
        return []
    values = [{"$": "fields", "key": probe.payloads[0]} if p in changes else
              {"$": "record"} if p in dicts else _filled(probe, p) for p in target.params]
    return [_function_plan(probe, target, probe.payloads[0], values, source)]


def _forged_plans(probe: Probe, target: FunctionTarget, source: str) -> list[Plan]:
    """A record the module knows, with a signature nobody made: the call must refuse it."""
    slot = next((p for p in target.params if _words(p.name) & SIGNATURE_WORDS and _kind_of(p.annotation) & {str, bytes}),
                None)
    if slot is None:
        return []
    forged = str(probe.payloads[0])
    values: list[Any] = []
    for param in target.params:
        kinds = _kind_of(param.annotation)
        if param is slot:
            values.append(forged if str in kinds else {"$": "bytes", "b64": base64.b64encode(forged.encode()).decode()})
        elif kinds & {str, int} and not kinds & {dict, list, bytes} and _special(param) is None:
            values.append({"$": "module_key", "type": "int" if kinds == {int} else "str", "scalars": True})
        else:
            values.append(plain_value(param))
    return [_function_plan(probe, target, forged, values, source)]


def names_a_key(name: str) -> bool:
    """Whether a parameter names where data is kept or who sent it (its last word is one of KEY_WORDS)."""
    return name.lower().replace("-", "_").split("_")[-1] in KEY_WORDS


def _words(name: str) -> set[str]:
    return set(name.lower().replace("-", "_").split("_"))


def _is_actor(param: Param) -> bool:
    """A parameter naming who acts (``requester_id``, ``active_user_id``, ``staff_identifier``), not what is acted on."""
    words = _words(param.name)
    return bool(words & ACTOR_WORDS) and bool(words & ID_WORDS) and not words & RESOURCE_WORDS and bool(
        _kind_of(param.annotation) & {int, str})


def _is_role(param: Param) -> bool:
    return bool(_words(param.name) & ROLE_WORDS) and str in _kind_of(param.annotation)


def _low_roles(target: FunctionTarget) -> list[str]:
    """"guest", and up to two roles the code itself names for its role parameter that grant no privilege by their
    name (``team_member``, ``viewer``): a code that refuses unknown roles may still let any known one through."""
    named = [text for name, text in target.compared if any(p.name == name and _is_role(p) for p in target.params)]
    low = [t for t in named if t.isidentifier() and not _words(t) & (PRIVILEGE_WORDS | HIGH_ROLE_WORDS)]
    return ["guest", *dict.fromkeys(low)][:3]


def _outsider_call(target: FunctionTarget, actor: Param, role: str = "guest") -> list[Any]:
    """An identity no data names acts, with a low role, on a resource that exists (the module's own keys)."""
    values: list[Any] = []
    for param in target.params:
        kinds, words = _kind_of(param.annotation), _words(param.name)
        if param is actor:
            values.append(OUTSIDER_ID if int in kinds and str not in kinds else f"sgx-{OUTSIDER_ID}")
        elif _is_role(param):
            values.append(role)
        elif (words & (ID_WORDS | RESOURCE_WORDS | REFERENCE_WORDS) and kinds & {int, str}
              or kinds == {int} and not words & QUANTITY_WORDS):
            values.append({"$": "module_key", "type": "int" if int in kinds and str not in kinds else "str"})
        else:  # a value the body accepts (``action == 'add'``): else the outsider is refused for the wrong reason
            values.append(_accepted_value(target, param))
    return values


def _accepted_value(target: FunctionTarget, param: Param) -> Any:
    """The first text the body compares ``param`` with that grants nothing by its words (``'add'``, not
    ``'bank_admin'``: that would make the outsider privileged); a plain value when there is none."""
    return next((text for name, text in target.compared if name == param.name and text.isidentifier()
                 and not _words(text) & (PRIVILEGE_WORDS | HIGH_ROLE_WORDS)), plain_value(param))


def _function_plan(probe: Probe, target: FunctionTarget, payload: str | int, values: list[Any],
                   source: str, chosen: dict[str, Any] | None = None, position: int | None = None) -> Plan:
    args = [v for v, p in zip(values, target.params) if not p.keyword_only]
    kwargs = {p.name: v for v, p in zip(values, target.params) if p.keyword_only} | (chosen or {})
    spec = {"function": target.name, "args": args, "kwargs": kwargs, "setup": list(probe.setup)}
    parts = [shown_value(a) for a in args] + [f"{k}={shown_value(v)}" for k, v in kwargs.items()]
    return Plan(probe, target, payload, spec, f"{target.name}({', '.join(parts)})", source, position)


def route_plans(probe: Probe, target: RouteTarget, payloads: tuple[str | int, ...] | None = None,
                source: str = "generic") -> list[Plan]:
    """One request per payload, the payload in every input the handler reads (and the usual names)."""
    if probe.kind in (ARCHIVE, INTEGER):
        return []
    plans = []
    chosen = ("alice",) if probe.kind == PRINCIPAL else (payloads if payloads is not None else probe.payloads)
    for payload in chosen:
        text = str(payload)
        names = tuple(dict.fromkeys(target.query + target.form + FALLBACK_NAMES))
        path = target.path
        for name in target.path_params if target.framework != "django" else ():
            path = path.replace(f"<path:{name}>", quote(text, safe="/")).replace(f"{{{name}:path}}", quote(text, safe="/"))
            for pattern in (f"<{name}>", f"<string:{name}>", f"{{{name}}}"):
                path = path.replace(pattern, quote(text, safe=""))
        request: dict[str, Any] = {"framework": target.framework, "object": target.obj, "path": path,
                                   "method": target.method, "query": {n: text for n in names}}
        if target.method != "GET":
            request["form"] = {n: text for n in names}
        if target.json:
            request["json"] = {n: text for n in target.json}
        if target.headers and "\n" not in text and "\r" not in text:
            request["headers"] = {n: text for n in target.headers}
        if target.framework == "django":
            request["kwargs"] = {n: text for n in target.path_params}
        shown = _shown_request(target, path, {n: text for n in (target.query + target.form + target.json) or names})
        plans.append(Plan(probe, target, payload, {"route": request, "setup": list(probe.setup)}, shown, source))
    return plans


def _shown_request(target: RouteTarget, path: str, params: dict[str, str]) -> str:
    """The request as a call of the framework's test client (the handler's other inputs get the same value)."""
    if target.framework == "flask":
        return f"{target.obj}.test_client().open({path!r}, method={target.method!r}, query_string={params!r})"
    if target.framework == "fastapi":
        return f"TestClient({target.obj}).request({target.method!r}, {path!r}, params={params!r})"
    extra = "".join(f", {k}={v!r}" for k, v in params.items() if k in target.path_params)
    return f"{target.obj}(RequestFactory().{target.method.lower()}({path!r}, {params!r}){extra})"


def plans_for(probe: Probe, target: Target, payloads: tuple[str | int, ...] | None = None,
              source: str = "generic") -> list[Plan]:
    if isinstance(target, FunctionTarget):
        return function_plans(probe, target, payloads, source)
    return route_plans(probe, target, payloads, source)


__all__ = ["Plan", "plans_for", "plain_value", "shown_value", "TEXT"]
