"""Parsing the model's test code: what is kept, what is dropped and why; never an exception."""

from __future__ import annotations

import pytest

from safegen.verify.testparse import parse_tests

REQ = "Write a function `slug(text: str) -> str` that lowercases text and joins its words with '-'."
REQ_RAISES = REQ + " Raises TypeError when text is not a string."


def names(answer: str, requirement: str = REQ, limit: int = 8) -> list[str]:
    return [t.name for t in parse_tests(answer, "slug", requirement, limit=limit).tests]


def notes(answer: str, requirement: str = REQ, limit: int = 8) -> str:
    return " | ".join(parse_tests(answer, "slug", requirement, limit=limit).notes)


@pytest.mark.parametrize("answer, expected", [
    ("```python\ndef test_a():\n    assert slug('A B') == 'a-b'\n```", ["test_a"]),
    ("def test_a():\n    assert slug('A B') == 'a-b'\n", ["test_a"]),  # no fence
    ("Tests:\n```py\nassert slug('A') == 'a'\nassert slug('') == ''\n```\nDone.", ["assert_line1", "assert_line2"]),
    ("```python\nx = slug('A B')\nassert x == 'a-b'\n```", ["assert_line2"]),  # the value it checks calls slug
    ("```python\nfor t, w in [('A', 'a')]:\n    assert slug(t) == w\n```", ["block_line1"]),
    (("```python\nimport unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n"
      "        self.assertEqual(slug('A'), 'a')\n```"), ["T.test_x"]),
    # a helper named test* that other tests call is a helper, not a test
    (("```python\ndef test_data():\n    return [('A', 'a')]\ndef test_all():\n"
      "    for t, w in test_data():\n        assert slug(t) == w\n```"), ["test_all"]),
    # calls of the tests, prints and main guards are ignored
    (("```python\ndef test_a():\n    assert slug('A') == 'a'\ntest_a()\nprint('ok')\n"
      "if __name__ == '__main__':\n    test_a()\n```"), ["test_a"]),
    # the two fenced blocks of one answer both count
    (("```python\ndef test_a():\n    assert slug('A') == 'a'\n```\nand\n```python\ndef test_b():\n"
      "    assert slug('B') == 'b'\n```"), ["test_a", "test_b"]),
])
def test_kept_tests(answer: str, expected: list[str]) -> None:
    assert names(answer) == expected


@pytest.mark.parametrize("answer, note", [
    ("", "the answer was empty"),
    ("I am sorry, I cannot write tests for this.", "no parsable test code"),
    ("```python\ndef test_a(:\n    assert slug(\n```", "no parsable test code"),
    ("```python\ndef test_a():\n    assert 1 + 1 == 2\n```", "test_a: it does not call `slug`"),
    ("```python\ndef test_a(tmp_path):\n    assert slug('A') == 'a'\n```", "needs pytest fixtures"),
    ("```python\nimport pytest\ndef test_a():\n    with pytest.raises(ValueError):\n        slug('../x')\n```",
     "expects ValueError, which the requirement does not mention"),
    (("```python\ndef test_a():\n    try:\n        slug('<b>')\n    except Exception:\n        pass\n"
      "    else:\n        assert False\n```"), "expects Exception"),
    ("```java\nclass T {}\n```", "no parsable test code"),
])
def test_dropped_with_a_note(answer: str, note: str) -> None:
    assert names(answer) == []
    assert note in notes(answer)


def test_a_cut_off_last_test_is_dropped_and_the_complete_ones_kept() -> None:
    answer = ("```python\ndef test_a():\n    assert slug('A') == 'a'\n\nSome prose here.\n\n"
              "def test_b():\n    assert slug('B') == 'b'\n\ndef test_c():\n    assert slug(")
    parsed = parse_tests(answer, "slug", REQ, limit=8)
    assert [t.name for t in parsed.tests] == ["test_a", "test_b"]
    assert any("unparsable" in n for n in parsed.notes)


def test_the_answers_own_implementation_and_imports_of_it_are_dropped() -> None:
    answer = ("```python\nfrom solution import slug\nimport re\n\ndef slug(text):\n    return text\n\n"
              "def test_a():\n    assert slug('A B') == 'a-b'\n```")
    parsed = parse_tests(answer, "slug", REQ, limit=8)
    assert [t.name for t in parsed.tests] == ["test_a"]
    assert "def slug" not in parsed.tests[0].source and "solution" not in parsed.tests[0].source
    assert any("own definition" in n for n in parsed.notes)


def test_documented_exceptions_and_tests_that_must_not_raise_are_kept() -> None:
    answer = ("```python\nimport pytest\ndef test_type():\n    with pytest.raises(TypeError):\n        slug(3)\n"
              "def test_lookup():\n    try:\n        slug(None)\n    except LookupError:\n        pass\n"
              "def test_no_raise():\n    try:\n        slug('A')\n    except Exception:\n        assert False\n```")
    assert names(answer, REQ_RAISES) == ["test_type", "test_no_raise"]  # LookupError is not TypeError's kin
    assert "expects LookupError" in notes(answer, REQ_RAISES)


def test_the_count_is_capped_and_duplicates_count_once() -> None:
    body = "".join(f"def test_{i}():\n    assert slug('{i}') == '{i}'\n" for i in range(10))
    body += "def test_again():\n    assert slug('0') == '0'\n"
    parsed = parse_tests(f"```python\n{body}```", "slug", REQ, limit=3)
    assert [t.name for t in parsed.tests] == ["test_0", "test_1", "test_2"]
    assert "kept the first 3 of 10 tests" in parsed.notes


def test_each_test_carries_only_the_prelude_it_uses() -> None:
    answer = ("```python\nimport os\nimport pytest\nfrom missing_module import thing\nCASES = [('A', 'a')]\n"
              "def test_cases():\n    for t, w in CASES:\n        assert slug(t) == w\n"
              "def test_approx():\n    assert len(slug('A')) == pytest.approx(1)\n```")
    first, second = parse_tests(answer, "slug", REQ, limit=8).tests
    assert "CASES = " in first.source and "missing_module" not in first.source and "class pytest" not in first.source
    assert "class pytest" in second.source and "CASES" not in second.source


@pytest.mark.parametrize("body, passes", [
    ("with pytest.raises(ZeroDivisionError):\n        slug(0)", True),
    ("with pytest.raises(ZeroDivisionError, match='division'):\n        slug(0)", True),
    ("with pytest.raises(ZeroDivisionError):\n        slug(1)", False),
    ("assert slug(4) == pytest.approx(0.25)", True),
    ("assert [slug(4)] == pytest.approx([0.3])", False),
])
def test_the_pytest_shim_behaves_as_pytest(body: str, passes: bool) -> None:
    requirement = "slug(x) returns 1 / x and raises ZeroDivisionError for 0."
    answer = f"```python\nimport pytest\ndef test_it():\n    {body}\n```"
    (test,) = parse_tests(answer, "slug", requirement, limit=8).tests
    namespace: dict[str, object] = {"slug": lambda x: 1 / x}
    exec(compile(test.source, "tests.py", "exec"), namespace)  # noqa: S102 - our own shim and a literal test
    function = namespace["test_it"]
    assert callable(function)
    if passes:
        function()
    else:
        with pytest.raises(AssertionError):
            function()


def test_a_straight_line_test_splits_into_one_test_per_assert() -> None:
    answer = ("```python\ndef test_many():\n    s = 'A B'\n    assert slug(s) == 'a-b'\n    assert slug('') == ''\n"
              "    assert slug('X') == 'WRONG'\n```")
    tests = parse_tests(answer, "slug", REQ, limit=8).tests
    assert [t.name for t in tests] == ["test_many[1]", "test_many[2]", "test_many[3]"]
    assert "s = 'A B'" in tests[2].source and "assert slug('') == ''" not in tests[2].source
    branching = "```python\ndef test_loop():\n    for t in 'ab':\n        assert slug(t) == t\n    assert slug('') == ''\n```"
    assert names(branching) == ["test_loop"]  # a body that branches stays whole


def test_a_test_cut_off_by_the_token_limit_keeps_its_complete_asserts() -> None:
    answer = ("```python\ndef slug(t):\n    return t\n\n# Test cases\ndef test_slug():\n    assert slug('A B') == 'a-b'\n"
              "    assert slug('') == ''\n    assert slug('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert names(answer) == ["test_slug[1]", "test_slug[2]"]
    assert "cut 1 unparsable" in notes(answer)
