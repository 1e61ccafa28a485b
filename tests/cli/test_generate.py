"""`safegen generate` and `safegen strategies` through the CLI entry point (real ensemble and sandbox)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safegen.backends.fake import FakeBackend
from safegen.cli import main
from safegen.config import Settings
from safegen.errors import ExtractionError, InputError
from safegen.registry import BACKENDS, STRATEGIES
from safegen.types import RunRecord

PROMPT = '''def parse_value(text: str):
    """Parse a Python literal such as a list or a number.

    >>> parse_value("[1, 2]")
    [1, 2]
    """
'''
VULNERABLE = "def parse_value(text: str):\n    return eval(text)\n"
FIXED = "import ast\n\n\ndef parse_value(text: str):\n    return ast.literal_eval(text)\n"


class ScriptedBackend(FakeBackend):
    """The fake backend with replies set by the test; registered under the name "scripted"."""

    replies: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> ScriptedBackend:
        return cls(list(cls.replies), repeat_last=True)


@pytest.fixture(autouse=True)
def scripted() -> Iterator[type[ScriptedBackend]]:
    BACKENDS.register("scripted", ScriptedBackend)
    yield ScriptedBackend
    ScriptedBackend.replies = ()


def fence(code: str) -> str:
    return f"```python\n{code}```"


FAST = ["--backend", "scripted", "--strategy", "autosafecoder", "--max-rounds", "1", "-q"]


def test_secure_result_exits_0_and_json_is_the_run_record(capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(VULNERABLE), fence(FIXED), "[]")
    code = main(["generate", PROMPT, *FAST, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    record = RunRecord.from_dict(json.loads(out.out))
    assert record.strategy == "autosafecoder" and record.task.entry_point == "parse_value"
    assert record.final is not None and "literal_eval" in record.final.code
    assert record.rounds[0].accepted and record.llm_calls
    assert out.err == ""  # -q: no progress


def test_still_vulnerable_exits_1_and_text_starts_with_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(VULNERABLE),)
    code = main(["generate", PROMPT, *FAST, "--strategy", "baseline"])
    out = capsys.readouterr()
    assert code == 1
    assert out.out.startswith("def parse_value(text: str):\n    return eval(text)")
    assert "CWE-" in out.out and "vulnerable" in out.out


def test_sarif_names_the_final_codes_findings_and_code_out_writes_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(VULNERABLE),)
    target = tmp_path / "parse.py"
    code = main(["generate", PROMPT, *FAST, "--strategy", "baseline", "--format", "sarif",
                 "--code-out", str(target)])
    assert code == 1
    log = json.loads(capsys.readouterr().out)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "safegen"
    assert target.read_text() == VULNERABLE
    assert run["artifacts"][0]["contents"]["text"] == VULNERABLE
    eval_results = [r for r in run["results"] if r["properties"].get("cwe") in (78, 94, 95)]
    assert eval_results, run["results"]
    location = eval_results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("parse.py") and location["region"]["startLine"] == 2


def test_sarif_of_secure_code_has_no_results(capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(FIXED),)
    assert main(["generate", PROMPT, *FAST, "--strategy", "baseline", "--format", "sarif"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["results"] == [] and run["artifacts"][0]["location"]["uri"] == "generated.py"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(FIXED),)
    assert main(["generate", PROMPT, "--backend", "scripted", "--strategy", "prompted"]) == 0
    out = capsys.readouterr()
    assert "safegen: strategy prompted" in out.err and "safegen:" not in out.out


def test_no_code_is_an_extraction_error_and_the_record_is_still_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = ("Sorry, I can't do that.",)
    target = tmp_path / "run.json"
    code = main(["generate", PROMPT, *FAST, "--format", "json", "-o", str(target)])
    err = capsys.readouterr().err
    assert code == ExtractionError.exit_code
    assert "no usable code" in err and "Traceback" not in err
    record = RunRecord.from_dict(json.loads(target.read_text()))
    assert record.final is None and record.candidates[0].error


def test_requirement_from_file_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(FIXED),)
    path = tmp_path / "req.py"
    path.write_text(PROMPT)
    assert main(["generate", "-f", str(path), *FAST, "--strategy", "baseline", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"]["requirement"] == PROMPT
    monkeypatch.setattr(sys, "stdin", io.StringIO(PROMPT))
    assert main(["generate", "-", *FAST, "--strategy", "baseline", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"]["entry_point"] == "parse_value"


def test_user_tests_file_reaches_the_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ScriptedBackend.replies = (fence(FIXED),)
    tests = tmp_path / "test_it.py"
    tests.write_text("def test_it():\n    assert parse_value('3') == 3\n")
    assert main(["generate", PROMPT, *FAST, "--tests", str(tests), "--format", "json"]) == 0
    record = RunRecord.from_dict(json.loads(capsys.readouterr().out))
    assert record.task.tests is not None
    assert record.final is not None and record.final.tests is not None and record.final.tests.passed


@pytest.mark.parametrize(("argv", "message"), [
    (["generate", "   "], "empty"),
    (["generate"], "no requirement"),
    (["generate", "-f", "/nonexistent/req.txt"], "cannot read requirement file"),
    (["generate", "x", "--tests", "/nonexistent/t.py"], "cannot read tests file"),
    (["generate", "x", "--strategy", "nope"], "unknown strategy"),
    (["generate", "x", "--samples", "0"], "--samples"),
])
def test_bad_input_is_a_one_line_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*argv, "--backend", "scripted", "-q"])
    err = capsys.readouterr().err
    assert code == InputError.exit_code
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_tests_file_that_is_not_python(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.py"
    bad.write_text("def test(:\n")
    assert main(["generate", "x", "--tests", str(bad), "--backend", "scripted"]) == InputError.exit_code
    assert "not valid Python" in capsys.readouterr().err


def test_strategies_command_lists_every_strategy_through_the_console_script() -> None:
    exe = Path(sys.executable).parent / "safegen"
    result = subprocess.run([str(exe), "strategies"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == STRATEGIES.names()
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # each has a summary
    assert any(line.startswith("safegen") and "(default)" in line for line in lines)


def test_strategy_options_are_typed_and_unknown_ones_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from safegen.cli.common import strategy_options

    assert strategy_options(["attacks=true", "samples=3", "static_rounds=none", "temperature=0.5", "name=x"]) == \
        {"attacks": True, "samples": 3, "static_rounds": None, "temperature": 0.5, "name": "x"}
    assert main(["generate", "--backend", "fake", "--option", "nosuch=1", "Write a function f(x) returning x."]) == 2
    assert "does not take the options" in capsys.readouterr().err
    assert main(["generate", "--backend", "fake", "--option", "attacks", "Write f."]) == 2


BLOG_CONTEXT = 'BLOG_FORMAT = "<h1>{heading}</h1><p>{text}</p>"\n'
BLOG_ANSWER = ("def create_blog_post(heading: str, text: str) -> str:\n"
               "    return BLOG_FORMAT.format(heading=heading, text=text)\n")


def test_context_is_shown_to_the_model_and_the_answer_is_attacked_inside_it(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    context = tmp_path / "blog_setup.py"
    context.write_text(BLOG_CONTEXT)
    ScriptedBackend.replies = (fence(BLOG_ANSWER),)
    code = main(["generate", "Write create_blog_post(heading: str, text: str) -> str, the HTML of a user's blog post.",
                 "--backend", "scripted", "--context", str(context), "--format", "json", "-q"])
    record = RunRecord.from_dict(json.loads(capsys.readouterr().out))
    assert code == 0 and record.task.context == BLOG_CONTEXT.strip() and BLOG_CONTEXT.strip() in record.task.requirement
    first = record.candidates[0]
    assert first.attacks is not None and "xss" in {a.probe for a in first.attacks.confirmed}  # ran with BLOG_FORMAT
    assert record.final is not None and "_safegen_escape(heading)" in record.final.code
    context.write_text("BLOG_FORMAT = (\n")
    assert main(["generate", "Write create_blog_post.", "--backend", "scripted", "--context", str(context), "-q"]) == 2
    assert "the context code is not valid Python" in capsys.readouterr().err
