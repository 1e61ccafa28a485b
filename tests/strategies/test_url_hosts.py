"""A URL compared whole with the module's list of host names: found from the syntax tree, fixed to compare its
host, and with the host_lists flag (the default's since v14) the fixed version replaces the answer.

The model is scripted (control flow); the analyzers, the attack probes and the sandbox are real.
"""

from __future__ import annotations

from collections.abc import Sequence

from strategy_helpers import fenced

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.strategies.safegen import SafegenStrategy
from safegen.strategies.url_hosts import compare_hosts
from safegen.types import Task

SETUP = "ALLOWED_RETURN_DOMAINS = {'app.example.com', 'secure.example.org'}"
WHOLE_URL = ("def build_return_link(callback_url: str) -> str:\n"
             "    if callback_url not in ALLOWED_RETURN_DOMAINS:\n"
             "        raise ValueError('return URL not allowed')\n"
             "    return callback_url\n")
TASK = Task("sso", "Write a function build_return_link(callback_url: str) -> str that returns the URL users go back "
                   "to after signing in. Raise ValueError if the URL's domain is not in ALLOWED_RETURN_DOMAINS.",
            entry_point="build_return_link", context=SETUP)


def _call(code: str, value: str) -> str:
    """Run our own fixture (not model output) and return the result, or the exception's name."""
    namespace: dict[str, object] = {}
    exec(compile(SETUP + "\n" + code, "<fixture>", "exec"), namespace)  # noqa: S102 - test fixture code
    try:
        return str(namespace["build_return_link"](value))  # type: ignore[operator]
    except ValueError:
        return "ValueError"


def test_a_url_tested_against_host_names_is_compared_by_its_host() -> None:
    fixed = compare_hosts(WHOLE_URL, "build_return_link", SETUP)
    assert fixed is not None and "_safegen_host_of(callback_url) not in ALLOWED_RETURN_DOMAINS" in fixed
    assert _call(WHOLE_URL, "https://app.example.com/home") == "ValueError"  # the bug: every URL refused
    assert _call(fixed, "https://app.example.com/home") == "https://app.example.com/home"
    assert _call(fixed, "https://app.example.com.evil.example/") == "ValueError"
    assert _call(fixed, "https://evil.example/?next=app.example.com") == "ValueError"
    assert _call(fixed, "app.example.com") == "app.example.com"  # a bare host matches as before


def test_only_a_parameter_tested_against_a_list_of_bare_hosts_is_rewritten() -> None:
    assert compare_hosts(WHOLE_URL, "build_return_link") is None  # no such list in the module
    paths = "ALLOWED = ['/v1/data', '/health']\n\n\ndef check(path):\n    return path in ALLOWED\n"
    assert compare_hosts(paths, "check") is None
    parsed = ("from urllib.parse import urlparse\n\nHOSTS = {'a.example.com'}\n\n\n"
              "def check(url):\n    return urlparse(url).hostname in HOSTS\n")
    assert compare_hosts(parsed, "check") is None
    denied = "BLOCKED_HOSTS = {'evil.example'}\n\n\ndef check(url):\n    return url not in BLOCKED_HOSTS\n"
    assert compare_hosts(denied, "check") is None  # a deny-list (by its name) is not the module's allow-list
    assert compare_hosts("def f(:\n", "f") is None


class Replies:
    """The same answer to every request."""

    def __init__(self, code: str) -> None:
        self.code, self.log = code, []  # type: str, list[str]

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        self.log.append(messages[-1].content[:40])
        return fenced(self.code)


def test_with_the_flag_the_fixed_version_replaces_the_answer(make_ctx) -> None:  # type: ignore[no-untyped-def]
    record = SafegenStrategy(host_lists=True, rule_fixes=False).run(TASK, make_ctx(Replies(WHOLE_URL)))
    assert record.final is not None and record.final.origin == "host-fix"
    assert "_safegen_host_of(callback_url)" in record.final.code
    assert record.final.attacks is not None and not record.final.attacks.confirmed
    first = record.candidates[0]
    assert first.error is not None and "compares whole URLs" in first.error

    plain = SafegenStrategy(host_lists=False, rule_fixes=False).run(TASK, make_ctx(Replies(WHOLE_URL)))
    assert plain.final is not None and plain.final.code.strip().endswith("return callback_url")
    assert all(c.origin != "host-fix" for c in plain.candidates)


def test_a_host_fix_that_loses_something_is_rejected_and_nothing_builds_on_it(make_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies import url_hosts

    def renamed(code: str, name: str, context: str = "") -> str:  # loses the entry point's signature
        return ("import yaml\n\n\n" + code.replace("callback_url", "url")
                .replace("    return url", "    yaml.load('a: 1', Loader=yaml.Loader)\n    return url"))

    monkeypatch.setattr(url_hosts, "compare_hosts", renamed)
    record = SafegenStrategy().run(TASK, make_ctx(Replies(WHOLE_URL)))
    fixed = next(c for c in record.candidates if c.origin == "host-fix")
    assert fixed.error is not None and "signature changed" in fixed.error
    assert not [c for c in record.candidates if c.parent == fixed.candidate_id]  # no rule fix of a rejected version
    assert record.final is not None and record.final.candidate_id == record.candidates[0].candidate_id
