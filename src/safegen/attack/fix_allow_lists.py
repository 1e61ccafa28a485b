"""Exploit fixes built on an allow-list the module itself defines (its own code, or the task's setup before it).

URLs that lead to a host the attacker chose (open redirect, SSRF, a URL check that approves it): the function
keeps working for URLs on the allow-list of hosts and for paths on the site; a URL it returns, or one of its
inputs that is an absolute URL, naming any other host is refused (``False`` from a function that answers
True/False, ``ValueError`` otherwise). Mass assignment: the changes an unprivileged caller passes are cut to the
fields the module's allow-list names. A forged signature: the signature passed must be the one the module's table
of trusted signatures holds for the record named, else the call refuses as its function does (None, or False).
Without such a list or table in the module a fix does not apply: what is legitimate is the module's policy, not ours.
"""

from __future__ import annotations

import ast
import re
from urllib.parse import urlsplit

from safegen import astutil
from safegen.attack.fix_edits import Function, answers_bool, find_function, insert_at_top, parameters
from safegen.attack.harness_core import _SGX_ALLOW_WORDS as FIELD_ALLOW_WORDS  # what the mass oracle reads
from safegen.attack.inputs import CHANGE_WORDS, FLAG_NAMES, PRIVILEGE_WORDS, SIGNATURE_WORDS

HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")  # a DNS name with a TLD
DENIED_WORDS = ("deny", "denied", "block", "black", "forbid", "ban", "internal", "private", "disallow", "reject")
ALLOWED = "_SAFEGEN_ALLOWED_HOSTS"
SCHEMES = "_SAFEGEN_ALLOWED_SCHEMES"  # empty: any scheme (the module names no allowed schemes)
# schemes whose URL leads somewhere even without a host part ("https:/evil.example" in a browser, javascript:)
URL_SCHEMES = ("http", "https", "ftp", "ws", "wss", "file", "gopher", "javascript", "data", "vbscript")
URL_HELPER = (
    "from urllib.parse import urlsplit as _safegen_urlsplit",
    "",
    "",
    "def _safegen_host(value):",
    "    # (scheme, host) of an absolute URL; ('', '') for text that is not one; None for a path that starts like one",
    "    text = value.decode(errors='replace') if isinstance(value, bytes) else value",
    "    if not isinstance(text, str):",
    "        return '', ''",
    "    text = text.strip().replace('\\\\', '/')",
    "    try:",
    "        parts = _safegen_urlsplit(text)",
    "        host = (parts.hostname or '').lower().rstrip('.')",
    "    except ValueError:",
    "        return None",
    "    if host:",
    "        return parts.scheme.lower(), host",
    f"    return None if parts.scheme.lower() in {URL_SCHEMES!r} or text.startswith('//') else ('', '')",
    "",
    "",
    "def _safegen_url_allowed(value, site=None):",
    "    # safegen exploit fix: an absolute URL must name a host on the module's allow-list (or the caller's own site,",
    "    # the host of the base URL it passed); a path on this site may not start like a URL ('//host', 'https:/host')",
    "    found = _safegen_host(value)",
    "    if found is None:",
    "        return False",
    "    scheme, host = found",
    "    if not host:",
    "        return True",
    f"    if {SCHEMES} and scheme not in {SCHEMES}:",
    "        return False",
    "    own = _safegen_host(site) if site is not None else None",
    f"    return (host in {ALLOWED} or any(host.endswith('.' + allowed) for allowed in {ALLOWED})",
    "            or (own is not None and own[1] != '' and host == own[1]))",
    "",
    "",
    "def _safegen_url_checked(value, site=None):",
    "    if not _safegen_url_allowed(value, site):",
    "        raise ValueError('the URL does not lead to an allowed host')",
    "    return value",
    "",
    "",
)


def _host(text: str) -> str | None:
    """The host a string of an allow-list names: a bare DNS name, or the host of a URL."""
    text = text.strip().lower().rstrip(".")
    if "/" in text:
        try:
            text = (urlsplit(text if "//" in text else "//" + text).hostname or "").rstrip(".")
        except ValueError:
            return None
    return text if HOST.match(text) else None


def string_lists(module: str) -> list[tuple[str, list[str]]]:
    """The module-level lists, sets and tuples made only of strings (name, items), a deny-list (by its name) left
    out."""
    tree = astutil.parse(module)
    found: list[tuple[str, list[str]]] = []
    for node in tree.body if tree is not None else ():
        target, value = (node.targets[0] if len(node.targets) == 1 else None, node.value) \
            if isinstance(node, ast.Assign) else (node.target, node.value) if isinstance(node, ast.AnnAssign) \
            else (None, None)
        if not isinstance(target, ast.Name) or value is None or any(w in target.id.lower() for w in DENIED_WORDS):
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("set", "frozenset") \
                and len(value.args) == 1:
            value = value.args[0]
        if not isinstance(value, (ast.List, ast.Set, ast.Tuple)) or not value.elts:
            continue
        texts = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(texts) == len(value.elts):
            found.append((target.id, texts))
    return found


def allowed_hosts(module: str) -> tuple[str, ...]:
    """The hosts the module's allow-lists name: module-level lists, sets or tuples of strings that are all host
    names or URLs (a deny-list, by its name, is not one). Empty when the module defines none."""
    found: dict[str, None] = {}
    for _, texts in string_lists(module):
        hosts = [_host(t) for t in texts]
        if all(hosts):
            found.update(dict.fromkeys(h for h in hosts if h))
    return tuple(found)


def allowed_schemes(module: str) -> tuple[str, ...]:
    """The URL schemes the module's allow-lists name (a list of nothing but schemes: ``["http", "https"]``)."""
    found: dict[str, None] = {}
    for _, texts in string_lists(module):
        if all(t.lower() in URL_SCHEMES for t in texts):
            found.update(dict.fromkeys(t.lower() for t in texts))
    return tuple(found)


def _returns(function: Function) -> list[ast.Return]:
    """The function's own ``return <value>`` statements (not those of functions or lambdas inside it)."""
    found: list[ast.Return] = []
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _wrap_returns(code: str, returns: list[ast.Return], site: str) -> str:
    """``code`` with each returned value passed through the URL check (offsets are UTF-8 bytes)."""
    lines = [line.encode() for line in code.splitlines(keepends=True)]
    values = sorted((r.value for r in returns if r.value is not None), key=lambda v: (v.lineno, v.col_offset),
                    reverse=True)
    for value in values:
        end_line, end_col = (value.end_lineno or value.lineno) - 1, value.end_col_offset or 0
        lines[end_line] = lines[end_line][:end_col] + f", {site})".encode() + lines[end_line][end_col:]
        start = lines[value.lineno - 1]
        lines[value.lineno - 1] = start[:value.col_offset] + b"_safegen_url_checked(" + start[value.col_offset:]
    return b"".join(lines).decode()


def confine_urls(code: str, name: str, context: str = "") -> str | None:
    """Refuse, in ``name``, URLs that lead off the module's allow-list of hosts (found in ``code`` or ``context``,
    the code the module starts with): an input that is an absolute URL with another host, and a returned URL with
    another host - ``False`` from a function that answers True/False, else ValueError. With more than one
    parameter the first is the caller's own base URL: its host is the caller's site, allowed for the others and
    the result (a redirect within the site is not an open one). None when the module has no allow-list of hosts,
    the function is missing or it is already fixed."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body or ALLOWED in code:
        return None
    module = astutil.with_context(context, code)
    hosts = allowed_hosts(module)
    params = [a.arg for a in parameters(function) if a.arg not in ("self", "cls")]
    if not hosts or not params:
        return None
    site, checked = (params[0], params[1:]) if len(params) > 1 else ("None", params)
    boolean = answers_bool(function)
    wrapped = code if boolean else _wrap_returns(code, _returns(function), site)
    tree = astutil.parse(wrapped)
    function = find_function(tree, name) if tree is not None else None
    if function is None:
        return None
    refuse = "return False" if boolean else "raise ValueError('the URL does not lead to an allowed host')"
    checks = " and ".join(f"_safegen_url_allowed({p}, {site})" for p in checked)
    helper = (f"{ALLOWED} = frozenset({{{', '.join(map(repr, sorted(hosts)))}}})",
              f"{SCHEMES} = frozenset({{{', '.join(map(repr, allowed_schemes(module)))}}})", "", "", *URL_HELPER)
    return insert_at_top(wrapped, function, [f"if not ({checks}):", f"    {refuse}"], helper)


def _words(name: str) -> set[str]:
    return set(name.lower().replace("-", "_").split("_"))


def _privilege_flag(arg: ast.arg) -> bool:
    """A parameter that says the caller is privileged: a flag (``bool``, or unannotated and named is_/has_/can_...)
    named like admin, privileged, owner, ... (``staff: dict`` is a record, not a flag)."""
    name = arg.arg.lower()
    if not (name in FLAG_NAMES or _words(name) & PRIVILEGE_WORDS):
        return False
    if arg.annotation is not None:
        return isinstance(arg.annotation, ast.Name) and arg.annotation.id == "bool"
    return name in FLAG_NAMES or name.startswith(("is_", "has_", "can_"))


def keep_allowed_fields(code: str, name: str, context: str = "") -> str | None:
    """Cut, at the top of ``name``, each changes parameter (a dict named like changes, updates, data) to the fields
    the module's allow-list of field names holds (``EDITABLE_FIELDS``, ``ALLOWED_FIELDS``, ...), unless a privilege
    parameter (``is_admin``, ``is_privileged``) is true. None without such an allow-list or changes parameter."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body or "_safegen_allowed_fields" in code:
        return None
    allow = next((list_name for list_name, items in string_lists(astutil.with_context(context, code))
                  if items and any(w in list_name.upper() for w in FIELD_ALLOW_WORDS)), None)
    params = [a.arg for a in parameters(function)]
    changes = [p for p in params if _words(p) & CHANGE_WORDS]
    privileged = [a.arg for a in parameters(function) if _privilege_flag(a)]
    if allow is None or not changes:
        return None
    cut = [f"{p} = _safegen_allowed_fields({p}, {allow})" for p in changes]
    top = [f"if not ({' or '.join(privileged)}):", *("    " + line for line in cut)] if privileged else cut
    helper = ("def _safegen_allowed_fields(changes, allowed):",
              "    # safegen exploit fix: an unprivileged caller sets only the fields the module's allow-list names",
              "    if not isinstance(changes, dict):",
              "        return changes",
              "    return {key: value for key, value in changes.items() if key in allowed}",
              "", "")
    return insert_at_top(code, function, top, helper)


SIGNATURE = re.compile(r"^(?:[0-9a-fA-F]{16,}|[A-Za-z0-9+/_-]{22,}={0,2})$")  # a hex digest or base64 MAC
SIGNED_HELPER = (
    "import hmac as _safegen_hmac",
    "",
    "",
    "def _safegen_signed(table, signature, *names):",
    "    # safegen exploit fix: the signature must be the one the module's trusted table holds for the record named",
    "    key = next((n for n in names if isinstance(n, str) and n in table), None)",
    "    expected = table.get(key) if key is not None else None",
    "    if not isinstance(expected, (str, bytes)) or not isinstance(signature, (str, bytes)):",
    "        return False",
    "    encoded = [v.encode() if isinstance(v, str) else v for v in (expected, signature)]",
    "    return _safegen_hmac.compare_digest(encoded[0], encoded[1])",
    "",
    "",
)


def _signature_table(module: str) -> str | None:
    """The name of a module-level dict from record names to signatures (hex digests or base64 MACs)."""
    tree = astutil.parse(module)
    for node in tree.body if tree is not None else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Dict) and node.value.keys:
            pairs = list(zip(node.value.keys, node.value.values))
            if all(isinstance(k, ast.Constant) and isinstance(k.value, str) and isinstance(v, ast.Constant)
                   and isinstance(v.value, str) and SIGNATURE.match(v.value) for k, v in pairs):
                return node.targets[0].id
    return None


def require_trusted_signature(code: str, name: str, context: str = "") -> str | None:
    """Refuse, at the top of ``name``, a call whose signature parameter is not the one the module's table of
    trusted signatures holds for the record another parameter names (compared in constant time): ``return False``
    in a function that answers True/False, else ``return None``, as such functions answer an invalid signature.
    None without such a table or signature parameter."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body or "_safegen_signed" in code:
        return None
    table = _signature_table(astutil.with_context(context, code))
    params = [a.arg for a in parameters(function) if a.arg not in ("self", "cls")]
    signature = next((p for p in params if _words(p) & SIGNATURE_WORDS), None)
    if table is None or signature is None or len(params) < 2:
        return None
    names = ", ".join(p for p in params if p != signature)
    refuse = "return False" if answers_bool(function) else "return None"
    return insert_at_top(code, function, [f"if not _safegen_signed({table}, {signature}, {names}):", f"    {refuse}"],
                         SIGNED_HELPER)
