"""The demo a model appends after its function is found and dropped; everything else stays."""

from __future__ import annotations

import ast

import pytest

from safegen.strategies import codecheck
from safegen.strategies.selftests import drop_self_tests

FUNCTION = '''from typing import List


def sort_even(values: List[int]) -> List[int]:
    """Sort the values at even indices."""
    return _merge(sorted(values[::2]), values)


def _merge(evens, values):
    return [evens[i // 2] if i % 2 == 0 else v for i, v in enumerate(values)]
'''

DEMO = '''
# Check function to verify the correctness of the solution
def check_solution():
    assert sort_even([1, 2, 3]) == [1, 2, 3], "Test case 1 failed"
    print("All test cases passed!")

check_solution()

# Example usage
numbers = [5, 6, 3, 4]
print(sort_even(numbers))
assert sort_even([]) == []
for case in ([1], [2, 1]):
    print(case, sort_even(case))
if __name__ == "__main__":
    result = sort_even([2])
    print(result)
'''


def test_the_demo_after_the_function_goes_and_the_function_stays_byte_for_byte() -> None:
    code, dropped = drop_self_tests(FUNCTION + DEMO, "sort_even")
    assert code == FUNCTION
    assert dropped == ["def check_solution():", "check_solution()", "numbers = [5, 6, 3, 4]",
                       "print(sort_even(numbers))", "assert sort_even([]) == []", "for case in ([1], [2, 1]):",
                       'if __name__ == "__main__":']
    assert drop_self_tests(FUNCTION, "sort_even") == (FUNCTION, [])


@pytest.mark.parametrize("tail", [
    # a web app's server start is part of the program, not a self-test
    "\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=True)\n",
    # a program's own start, bare or guarded
    "\ndef main():\n    print(sort_even([3, 1]))\n\n\nmain()\n",
    "\ndef main():\n    print(sort_even([3, 1]))\n\n\nif __name__ == '__main__':\n    main()\n",
    # module set-up after the function that the function reads
    "\nLIMIT = 3\n",
    # a call that shares its line with code that stays: left alone rather than cut in half
    "\nprint(sort_even([1])); here = os.getcwd()\n",
    # calls of names the answer did not define (configuration, logging)
    "\nlogging.basicConfig(level=logging.INFO)\nprint(os.getcwd())\n",
])
def test_what_is_not_a_demo_stays(tail: str) -> None:
    code = FUNCTION + tail
    assert drop_self_tests(code, "sort_even") == (code, [])


def test_a_value_the_code_still_reads_stays_with_the_demo_gone() -> None:
    code = FUNCTION.replace("return _merge", "return LIMIT and _merge") + "\nLIMIT = 3\nprint(sort_even([LIMIT]))\n"
    kept, dropped = drop_self_tests(code, "sort_even")
    assert dropped == ["print(sort_even([LIMIT]))"] and kept.endswith("\nLIMIT = 3\n")
    ast.parse(kept)


def test_no_entry_point_or_no_parse_changes_nothing() -> None:
    script = "import requests\n\nresponse = requests.get('https://example.org', timeout=10)\nprint(response.text)\n"
    assert drop_self_tests(script, None) == (script, [])
    assert drop_self_tests(FUNCTION + DEMO, "missing") == (FUNCTION + DEMO, [])
    assert drop_self_tests("def f(:\n", "f") == ("def f(:\n", [])


def test_code_above_the_function_is_never_touched() -> None:
    code = "print('starting')\n\n\n" + FUNCTION
    assert drop_self_tests(code, "sort_even") == (code, [])


def test_a_prose_answer_keeps_every_function_it_was_asked_for() -> None:
    # no entry point given: the guessed one (check_password, which calls the other) and its helper both stay
    code = ("def hash_password(p):\n    return p\n\n\ndef check_password(p, h):\n    return hash_password(p) == h\n"
            "\n\nprint(check_password('a', 'a'))\n")
    kept, dropped = drop_self_tests(code, codecheck.guess_entry_point(code))
    assert dropped == ["print(check_password('a', 'a'))"]
    assert "def hash_password" in kept and "def check_password" in kept
