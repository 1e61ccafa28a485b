"""The code prompt's docstring comes back verbatim (a requirement written for the test, not a benchmark's)."""

from __future__ import annotations

from safegen.strategies.contract import KeepDocstring, restore_docstring

PROMPT = '''def first_word(text: str) -> str:
    """Return the first word of text, or an empty string on error."""
'''
REWRITTEN = '''def first_word(text: str) -> str:
    """Return the first word. Raises ValueError for an empty text."""
    if not text:
        raise ValueError("empty")
    return text.split()[0]
'''
WITHOUT = '''import re


def first_word(text: str) -> str:
    words = re.findall(r"\\w+", text)
    return words[0] if words else ""
'''


def test_a_rewritten_docstring_is_put_back_and_the_body_kept() -> None:
    fixed, changed = restore_docstring(REWRITTEN, PROMPT, "first_word")
    assert changed and '"""Return the first word of text, or an empty string on error."""' in fixed
    assert "raise ValueError" in fixed and "Raises ValueError" not in fixed
    compile(fixed, "x.py", "exec")


def test_a_missing_docstring_is_inserted_before_the_body() -> None:
    fixed, changed = restore_docstring(WITHOUT, PROMPT, "first_word")
    lines = fixed.splitlines()
    assert changed and lines[lines.index("def first_word(text: str) -> str:") + 1].strip().startswith('"""Return')


def test_nothing_changes_when_the_docstring_is_already_verbatim_or_the_prompt_has_none() -> None:
    same = PROMPT + "    return text.split()[0] if text.split() else ''\n"
    assert restore_docstring(same, PROMPT, "first_word") == (same, False)
    assert restore_docstring(REWRITTEN, "Write first_word(text).", "first_word") == (REWRITTEN, False)
    assert restore_docstring("def other():\n    pass\n", PROMPT, "first_word")[1] is False


def test_the_step_notes_what_it_did() -> None:
    step = KeepDocstring(PROMPT)
    assert step.apply(REWRITTEN, "first_word")[1] and step.apply(REWRITTEN, None) == (REWRITTEN, [])


def test_safegen_with_keep_contract_returns_the_prompts_docstring(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from strategy_helpers import Script, fenced

    from safegen.strategies.safegen_static import SafegenStaticStrategy
    from safegen.types import Task

    task = Task("fw", PROMPT, entry_point="first_word")
    for keep in (True, False):
        strategy = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, keep_contract=keep)
        record = strategy.run(task, make_ctx(Script(code=[fenced(REWRITTEN)])))
        assert record.final is not None
        assert ("empty string on error" in record.final.code) is keep
