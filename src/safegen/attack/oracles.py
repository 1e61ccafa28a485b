"""Oracles: decide from one sandboxed execution whether an attack succeeded. Evidence, never opinion.

Each oracle reads the sandbox's own events (``ExecResult.events``) and what the harness observed
(its JSON: audit hits, the response or return value), and answers with the evidence or None.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from safegen.attack.probes import ATTACKER_HOST
from safegen.sandbox.launcher import DECOY_MARK
from safegen.sandbox.result import ExecResult

MARK = "sgx"
_DENIAL = re.compile(r"denied|forbidden|unauthori[sz]ed|not allowed|not permitted|permission|access|not found|"
                     r"unknown|invalid|no such", re.I)


@dataclass(frozen=True)
class Observation:
    """One execution: the sandbox's result and the harness's report (empty when it printed none)."""

    result: ExecResult
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def hits(self) -> list[dict[str, str]]:
        hits = self.data.get("hits")
        return [h for h in hits if isinstance(h, dict)] if isinstance(hits, list) else []

    @property
    def text(self) -> str:
        value = self.data.get("text")
        return value if isinstance(value, str) else ""

    @property
    def status(self) -> int | None:
        value = self.data.get("status")
        return value if isinstance(value, int) else None

    @property
    def headers(self) -> list[tuple[str, str]]:
        raw = self.data.get("headers")
        if not isinstance(raw, list):
            return []
        return [(str(p[0]), str(p[1])) for p in raw if isinstance(p, list) and len(p) == 2]

    @property
    def error(self) -> str:
        value = self.data.get("error")
        return value if isinstance(value, str) else ""

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def html(self) -> bool:
        kind = self.header("content-type").lower()
        return not kind or "html" in kind


@dataclass(frozen=True)
class Evidence:
    """What the oracle saw, and the candidate's line where it happened (``target.py:N``, or "")."""

    detail: str
    location: str = ""


Oracle = Callable[[Observation, tuple[str, ...]], Evidence | None]


def _hit(observation: Observation, kind: str) -> Evidence | None:
    for hit in observation.hits:
        if hit.get("kind") == kind:
            return Evidence(str(hit.get("detail", kind)), str(hit.get("location", "")))
    return None


def _event(observation: Observation, kinds: tuple[str, ...], needle: Callable[[str], bool]) -> Evidence | None:
    for event in observation.result.events:
        if event.kind in kinds and needle(event.detail):
            return Evidence(f"{event.kind}: {event.detail}", event.location)
    return None


def path_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A read or write outside the working directory, of the payload's file (the sandbox's own events)."""
    return _event(observation, ("read_outside", "write_outside"), lambda d: "passwd" in d or MARK in d)


def traversal_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """As ``path_oracle``, but a function that opens exactly the path its caller passed does what it was asked:
    traversal is a path built from the input (joined to a base) that leaves it, or any such read by a web route
    (a framework that sends the file reads it itself: the sandbox's decoy /etc/passwd coming back counts)."""
    def built(detail: str) -> bool:
        caller_named = observation.status is None and any(f"(from {p[:100]!r})" in detail for p in payloads)
        return ("passwd" in detail or MARK in detail) and not caller_named
    found = _event(observation, ("read_outside", "write_outside"), built)
    if found is None and observation.status is not None and DECOY_MARK in observation.text:
        return Evidence(f"HTTP {observation.status} sent /etc/passwd (the sandbox's decoy) for an input path")
    return found


def shell_started_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A shell started with the payload's command in its command line (what a function returns is not read)."""
    return _event(observation, ("shell",), _shell_runs_payload)


def shell_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A shell started with the payload's command in its command line, or a shell command a function built in
    which the payload's ``echo sgx-cmd`` stands as a command of its own (not quoted as one argument)."""
    started = shell_started_oracle(observation, payloads)
    if started is not None or observation.status is not None or observation.error:
        return started
    text = observation.text
    if (not text or len(text) > 2000 or text.strip() in payloads or not _reads_as_command_line(text)
            or not _runs_injected_command(text)):
        return None
    return Evidence(f"the shell command it built runs the attacker's command: {text[:200]!r}")


def _reads_as_command_line(text: str) -> bool:
    """Whether returned text could be a command line at all: it opens with a word or a subshell, not with a
    redirection or a separator (HTML such as ``<h1>Hello ...</h1>`` is no command a shell would run)."""
    lexer = shlex.shlex(text.lstrip(), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        first = lexer.get_token() or ""
    except ValueError:
        return False
    return bool(first) and (first.startswith("(") or not set(first) <= set("();<>|&"))


def _shell_runs_payload(detail: str) -> bool:
    """A started shell's command (``os.system(COMMAND)``, ``/bin/sh -c COMMAND``) runs the payload's command; the
    payload quoted as one argument does not. Any other shell start that saw the payload counts."""
    if f"echo {MARK}" not in detail and f"{MARK}-cmd" not in detail:
        return False
    if detail.startswith("os.system(") and detail.endswith(")"):
        try:
            command = ast.literal_eval(detail[len("os.system("):-1])
        except (SyntaxError, ValueError):
            return True
        return _runs_injected_command(os.fsdecode(command) if isinstance(command, bytes) else str(command))
    _, flag, command = detail.partition(" -c ")
    return not flag or _runs_injected_command(command)


def _live_substitution(command: str) -> bool:
    """``$(echo sgx-cmd`` or a backquoted ``echo sgx-cmd`` outside single quotes: double quotes do not stop it."""
    quote, i = "", 0
    while i < len(command):
        char = command[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char
        elif quote != "'" and command.startswith((f"$(echo {MARK}-cmd", f"`echo {MARK}-cmd"), i):
            return True
        i += 1
    return False


def _runs_injected_command(command: str) -> bool:
    """Whether a shell reading ``command`` would run ``echo sgx-cmd`` as a command (after ; && | ( or a line, or
    in a command substitution that quoting does not stop)."""
    if _live_substitution(command):
        return True
    lexer = shlex.shlex(command.replace("\n", " ; "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: no shell would run it as written
        return False
    for i in range(1, len(tokens) - 1):
        separated = set(tokens[i - 1]) <= set(";&|(") or tokens[i].startswith("`")
        if tokens[i] in ("echo", "`echo") and tokens[i + 1].startswith(f"{MARK}-cmd") and separated:
            return True
    return False


def network_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A connection or name lookup of the attacker's host (the sandbox has no network: it is blocked)."""
    return _event(observation, ("network",), lambda d: ATTACKER_HOST in d or "169.254.169.254" in d)


_INTERNAL_HOSTS = ("169.254.169.254", "127.0.0.1", "localhost", "0.0.0.0", "::1")


def approved_url_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A function that vets URLs returned the attacker's http(s) URL (or an internal address) as fit to use."""
    text = observation.text.strip()
    if observation.status is not None or observation.error or not text or len(text) > 500:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and (host.endswith(ATTACKER_HOST) or host in _INTERNAL_HOSTS):
        return Evidence(f"returned the URL {text[:200]!r} as fit to use: a host the attacker chose")
    return None


def sql_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """SQLite's authorizer saw the payload's function call: attacker text was parsed as SQL."""
    return _hit(observation, "sql")


def exec_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """The input ran as code: it called the harness's ``sgx_code`` builtin (literals and arithmetic never do)."""
    return _hit(observation, "exec")


def deserialize_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """Deserialization called an attacker-chosen callable, or unpickling resolved a dangerous global."""
    return _hit(observation, "construct") or _hit(observation, "find_class")


def weak_hash_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A weak hash (MD5, SHA-1) that the payload named was used: the caller picks the algorithm, and nothing refused it."""
    named = {p.lower() for p in payloads}
    for hit in observation.hits:
        detail = str(hit.get("detail", ""))
        if hit.get("kind") == "weak_hash" and detail.rsplit(" ", 1)[-1] in named:
            return Evidence(detail, str(hit.get("location", "")))
    return None


def mass_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A field the module's allow-list does not name was set from the input (mass assignment)."""
    return _hit(observation, "mass")


def stored_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """One call grew the module's own data (lists, dicts, queues) by about the attacker's payload size."""
    return _hit(observation, "stored")


def approved_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A validator answered exactly True for the attacker's input (a plain function, no error)."""
    if observation.status is None and not observation.error and observation.text == "True":
        return Evidence("the validator accepted the attacker's input (returned True)")
    return None


def changed_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """The call changed the module's own data (a record updated, added or deleted)."""
    return _hit(observation, "changed")


def canary_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """The canary file named only by the payload's external entity was read."""
    return _hit(observation, "canary_read")


def resource_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """The payload exhausted the sandbox's time or memory limit."""
    result = observation.result
    if result.status in ("timeout", "memory"):
        return Evidence(f"{result.status}: {result.message or 'limit reached'}", result.location)
    for name in ("MemoryError", "RecursionError"):
        if observation.error.startswith(name + ":"):
            return Evidence(f"{observation.error[:200]}", result.location)
    return None


def _attacker_url(url: str) -> bool:
    url = url.strip().replace("\\", "/")
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host.endswith(ATTACKER_HOST) or url.lstrip("/").lower().startswith(("https:/" + ATTACKER_HOST,
                                                                               ATTACKER_HOST))


def redirect_response_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """An HTTP redirect that leads to the attacker's host."""
    location = observation.header("location")
    status = observation.status
    if location and status is not None and 300 <= status < 400 and _attacker_url(location):
        return Evidence(f"HTTP {status} redirect to {location[:200]}")
    return None


def redirect_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A redirect (or a returned URL) that leads to the attacker's host."""
    found = redirect_response_oracle(observation, payloads)
    if found is not None:
        return found
    status = observation.status
    if status is None and observation.text and _attacker_url(observation.text) and len(observation.text) < 500:
        return Evidence(f"returned the redirect target {observation.text[:200]!r}")
    return None


_HTML_TAG = re.compile(r"<(html|body|div|p|span|br|a|img|h[1-6]|li|ul|ol|td|tr|table|b|i|em|strong|section|article|"
                       r"header|footer|form|input|label|button|title|head|meta)\b", re.I)


def xss_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """An HTML payload comes back unescaped in an HTML response (or in HTML a function built)."""
    text = observation.text
    if not text or not observation.html():
        return None
    for payload in payloads:
        if payload not in text or ("<" not in payload and not (any(c in payload for c in "'\"")
                                                                and _HTML_TAG.search(text))):
            continue  # a quote matters in HTML (an attribute it can leave), not in XML text
        if observation.status is None and "<" not in text.replace(payload, ""):
            continue  # a function that returns its input unchanged builds no HTML
        return Evidence(f"the payload {payload[:80]!r} came back unescaped in the HTML or XML it built")
    return None


_TAG = re.compile(r"<[A-Za-z!/][^>]*>")  # an HTML tag: the text is a page, not headers


def header_response_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """CR/LF from the payload split a response header: a header the attacker wrote, or a raw line break."""
    for name, value in observation.headers:
        if name.lower() in ("x-sgx",) or ("\n" in value or "\r" in value) or (
                name.lower() == "set-cookie" and value.startswith(f"{MARK}=")):
            return Evidence(f"response header {name}: {value[:120]!r}")
    return None


def header_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """As ``header_response_oracle``; and text a function returns counts as header text unless it is HTML (line
    breaks in a page split no header)."""
    found = header_response_oracle(observation, payloads)
    if found is not None:
        return found
    text = observation.text
    if observation.status is None and not _TAG.search(text) and re.search(r"[\r\n](Set-Cookie: sgx=|X-Sgx:)", text):
        return Evidence("the returned header text holds a header line the attacker wrote")
    return None


def authz_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A caller without the role or ownership succeeded (a 2xx response, or a result that is not a denial)."""
    if observation.error or observation.result.status not in ("ok", "oracle"):
        return None
    status = observation.status
    if status is not None:
        if 200 <= status < 300 and not _DENIAL.search(observation.text[:500]):
            return Evidence(f"HTTP {status} for a caller without the required role")
        return None
    if _succeeded(observation):
        return Evidence(f"a caller without the required role got {observation.text[:120]!r}")
    return None


def _succeeded(observation: Observation) -> bool:
    """A plain call returned something other than None, False, an empty value or a denial."""
    return bool(observation.data.get("returned")) and not _DENIAL.search(observation.text[:500])


def denied(observation: Observation) -> bool:
    """A plain call's answer is a refusal: None, False, an empty value, 0 or a denying text."""
    return not _succeeded(observation)


def accepted_oracle(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """A call carrying a forged signature returned data or success (not None, False or a denial)."""
    if observation.error or observation.result.status not in ("ok", "oracle") or observation.status is not None:
        return None
    if _succeeded(observation):
        shown = observation.text[:120] or "a value"
        return Evidence(f"a forged signature was accepted: the call returned {shown!r}")
    return None


def no_evidence(observation: Observation, payloads: tuple[str, ...]) -> Evidence | None:
    """Nothing counts: the probe's oracle reads only what a function returns, and this one is not meant to vet it."""
    return None


ORACLES: dict[str, Oracle] = {
    "path": path_oracle, "traversal": traversal_oracle, "shell": shell_oracle, "network": network_oracle, "approved_url": approved_url_oracle,
    "sql": sql_oracle,
    "exec": exec_oracle, "deserialize": deserialize_oracle, "canary": canary_oracle, "weak_hash": weak_hash_oracle, "mass": mass_oracle, "stored": stored_oracle, "approved": approved_oracle, "changed": changed_oracle,
    "resource": resource_oracle, "redirect": redirect_oracle, "xss": xss_oracle, "header": header_oracle,
    "authz": authz_oracle, "accepted": accepted_oracle, "shell_started": shell_started_oracle,
    "header_response": header_response_oracle, "redirect_response": redirect_response_oracle,
    "nothing": no_evidence,
}
# Oracles that also read what a function returns, and what they keep where nothing names the function's purpose
# as the probe's topic (no requirement, and neither its name nor its docstring does): a returned string is a
# shell command (a header, a redirect target, a URL found safe) only for a function meant to give one, not for a
# greeting in a module that runs a shell elsewhere.
PURPOSE_FREE: dict[str, str] = {"shell": "shell_started", "header": "header_response",
                                 "redirect": "redirect_response", "approved_url": "nothing"}
