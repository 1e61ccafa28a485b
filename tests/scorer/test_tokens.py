"""The scorer's tokenizer: vocabulary symbols, string classes, f-strings and broken code."""

from __future__ import annotations

import pytest

from safegen.scorer.tokens import (
    FIELD_END,
    FIELD_START,
    identifier_cue,
    split_identifier,
    string_class,
    tokenize_code,
)


@pytest.mark.parametrize(("literal", "expected"), [
    ('"SELECT * FROM users WHERE name = \'%s\'"', "<S_SQL_PCT>"),
    ('f"SELECT * FROM users WHERE id = {uid}"', "<S_SQL_F>"),
    ('"SELECT id FROM users WHERE name = ?"', "<S_SQL_PARAM>"),
    ('"DELETE FROM t WHERE id = " ', "<S_SQL_CAT>"),
    ('"ping -c 1 "', "<S_SHELL>"),
    ('f"ls {path}"', "<S_SHELL_F>"),
    ('"<h1>%s</h1>"', "<S_HTML_F>"),
    ('"http://example.com/api"', "<S_HTTP>"),
    ('"https://example.com/api"', "<S_HTTPS>"),
    ('"/etc/ssl/certs/ca.pem"', "<S_PATH>"),
    ('""', "<S_EMPTY>"),
    ('"hello world, again"', "<S_TEXT>"),
    ('"P@ssw0rd!"', "<S_SECRETLIKE>"),
    ('b"\\x00\\x01"', "<S_BYTES>"),
])
def test_string_classes(literal: str, expected: str) -> None:
    assert string_class(literal.strip())[1] == expected


def test_docstring_is_its_own_class() -> None:
    toks = tokenize_code('def f():\n    """Say hi."""\n    return "hi"\n')
    symbols = [t.symbol for t in toks]
    assert "<S_DOC>" in symbols
    assert symbols.count("<S_DOC>") == 1


def test_identifiers_outside_vocabulary_map_to_cues() -> None:
    vocab = frozenset({"os", "system"})
    toks = tokenize_code("os.system(user_cmd)\ndb_password = other\n", vocab)
    by_text = {t.text: t.symbol for t in toks}
    assert by_text["os"] == "os"
    assert by_text["user_cmd"] == "<ID:cmd>"
    assert by_text["db_password"] == "<ID:secret>"
    assert by_text["other"] == "<ID>"
    assert split_identifier("getUserName_v2") == ["get", "user", "name", "v", "2"]
    assert identifier_cue("targetURL") == "<ID:url>"


def test_fstring_fields_are_tokenized() -> None:
    plain = [t.symbol for t in tokenize_code('x = f"<b>{name}</b>"\n')]
    escaped = [t.symbol for t in tokenize_code('x = f"<b>{escape(name)}</b>"\n')]
    assert plain != escaped
    assert FIELD_START in escaped and FIELD_END in escaped
    assert "escape" in escaped
    fmt = [t.text for t in tokenize_code('x = f"{value!r:>10} {{literal}}"\n')]
    assert "value" in fmt and "literal" not in fmt


def test_tokens_carry_their_lines() -> None:
    toks = tokenize_code("import os\n\nos.system(cmd)\n")
    assert {t.line for t in toks if t.text == "system"} == {3}


@pytest.mark.parametrize("code", [
    "def f(:\n    return 'unterminated\n",
    "x = (1,\n",
    "\tif x:\n  y = 1\n",
    '"""never closed\nos.system(cmd)\n',
    "\x00\x01\x02 binary junk \xff",
    "",
    "   \n\n",
])
def test_broken_code_keeps_what_it_has(code: str) -> None:
    toks = tokenize_code(code)
    assert isinstance(toks, list)
    if code.strip():
        assert toks, "tokens before or after the error must survive"


def test_code_after_a_syntax_error_is_still_tokenized() -> None:
    toks = tokenize_code("x = 'unterminated\nos.system(cmd)\n")
    assert "system" in [t.text for t in toks]


def test_non_string_input_gives_no_tokens() -> None:
    assert tokenize_code(None) == []  # type: ignore[arg-type]
    assert tokenize_code(b"x = 1") == []  # type: ignore[arg-type]
