"""Requirement and code snippets for the control-flow tests: vulnerable, fixed, and broken versions."""

PROMPT = '''def parse_value(text: str):
    """Parse a Python literal such as a list or a number.

    >>> parse_value("[1, 2]")
    [1, 2]
    >>> parse_value("7")
    7
    """
'''

# bandit B307 (eval, CWE-78/95) and B324 (md5): two findings
VULNERABLE_TWO = '''import hashlib


def parse_value(text: str):
    """Parse a Python literal such as a list or a number."""
    hashlib.md5(text.encode()).hexdigest()
    return eval(text)
'''

VULNERABLE = '''def parse_value(text: str):
    """Parse a Python literal such as a list or a number."""
    return eval(text)
'''

WORSE = '''import hashlib


def parse_value(text: str):
    """Parse a Python literal such as a list or a number."""
    hashlib.md5(text.encode()).hexdigest()
    hashlib.sha1(text.encode()).hexdigest()
    return eval(text)
'''

FIXED = '''import ast


def parse_value(text: str):
    """Parse a Python literal such as a list or a number."""
    return ast.literal_eval(text)
'''

# secure but wrong: the doctests fail
BROKEN = '''def parse_value(text: str):
    """Parse a Python literal such as a list or a number."""
    return text
'''

# secure but renamed parameter list
NEW_SIGNATURE = '''import ast


def parse_value(text: str, strict: bool = True):
    """Parse a Python literal such as a list or a number."""
    return ast.literal_eval(text)
'''

PROSE = "Write a function `run_command(cmd)` that runs a shell command line and returns its output."

SHELL_VULNERABLE = '''import subprocess


def run_command(cmd):
    return subprocess.check_output(cmd, shell=True).decode()
'''

SHELL_FIXED = '''import shlex
import subprocess


def run_command(cmd):
    return subprocess.run(shlex.split(cmd), capture_output=True, text=True, check=False, timeout=10).stdout
'''

# no examples in the docstring, so only fuzzing guards a repair (as HumanEval/144's "f(x) = y" lines)
SHARE_PROMPT = '''def share(total: int, parts: list[int], index: int) -> int:
    """Return total // parts[index] + total // index."""
'''

# two defects: ZeroDivisionError on either line (a zero index, a zero part)
SHARE = '''def share(total: int, parts: list[int], index: int) -> int:
    """Return total // parts[index] + total // index."""
    bonus = total // index
    return total // parts[index] + bonus
'''

# the guard is right but the last line names a variable that does not exist: every valid call fails
SHARE_BROKEN = '''def share(total: int, parts: list[int], index: int) -> int:
    """Return total // parts[index] + total // index."""
    if not 0 < index < len(parts) or parts[index] == 0:
        raise ValueError("an index out of range or zero, or a zero part")
    return total // parts[index] + bonus
'''

SHARE_FIXED = '''def share(total: int, parts: list[int], index: int) -> int:
    """Return total // parts[index] + total // index."""
    if not 0 < index < len(parts) or parts[index] == 0:
        raise ValueError("an index out of range or zero, or a zero part")
    return total // parts[index] + total // index
'''
