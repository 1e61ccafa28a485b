"""Prompt texts: what the security rules say and how repairs are asked to keep the entry point."""

from __future__ import annotations

from safegen.prompts import templates


def test_security_rules_name_no_web_framework() -> None:
    # "never run Flask with debug=True" drew 9 of 68 SecurityEval tasks that do not mention Flask into
    # Flask apps (0 of 76 without the rules), losing the function the task asked for.
    for framework in ("flask", "django", "fastapi"):
        assert framework not in templates.SYSTEM_SECURE.lower()


def test_repairs_keep_or_restore_the_entry_point() -> None:
    assert "Keep the function `f` with exactly the same name" in templates.static_feedback("- x", "f")
    restore = templates.fuzz_feedback("- x", "f", required="(a, b=1)")
    assert "The task asks for `f(a, b=1)`" in restore and "Keep the function" not in restore
    assert "`C(self, x)`" in templates.tests_feedback("- x", "C", required="class (self, x)")
    assert templates.keep_entry(None) == ""
