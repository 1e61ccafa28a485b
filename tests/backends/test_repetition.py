"""Spotting a model stuck in a loop: real code passes, degenerate tails are named."""

from __future__ import annotations

import pytest

from safegen.backends.repetition import LoopStop, looping

REAL_CODE = '''import os
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    if not host.replace(".", "").isalnum():
        return "bad host", 400
    result = subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, text=True, timeout=10)
    return result.stdout
''' + "\n".join(f"    assert check({i}) == {i * i}" for i in range(30)) + "\n" + "}\n" * 30 + "    pass\n" * 6


def test_real_code_is_not_a_loop() -> None:
    assert looping(REAL_CODE) is None
    assert looping("") is None
    assert looping("x = '" + "=" * 200 + "'\n") is None


@pytest.mark.parametrize(("tail", "words"), [
    ("import os\n" * 30, "repeats"),
    ("from flask import Flask\nimport hashlib\n" * 15, "repeats"),  # a two-line cycle
    ("".join(f"from module_{i} import name_{i}\n" for i in range(45)), "import lines in a row"),
    ("result = " + "1, " * 250, "the text repeats"),
    # a block of numbers copied from a fuzz input, over and over on one line
    ("f([" + "8.073952393763415e+270, -9.902474921232113e+137, -3.5997984739502668e-149, -1.0, " * 8,
     "81-character piece"),
    ("".join(f"app.config['KEY_{i}'] = {i}\n" for i in range(12)) * 3, "-character piece"),  # a 12-line cycle
])
def test_degenerate_tails_are_named(tail: str, words: str) -> None:
    reason = looping("```python\nimport json\n\n" + tail)
    assert reason is not None and words in reason


def test_an_unfinished_last_line_does_not_count() -> None:
    text = "import os\n" * 11 + "def f():\n" + "    return 1\n" * 11 + "import o"
    assert looping(text) is None


def test_loop_stop_decodes_only_the_completion() -> None:
    vocab = {1: b"SYSTEM PROMPT\n", 2: b"import os\n", 3: b"print"}
    stop = LoopStop(lambda ids: b"".join(vocab[i] for i in ids), prompt_length=1)
    ids = [1]
    for _ in range(23):
        ids.append(2)
        assert stop(ids, None) is False and stop.reason is None
    ids.append(2)  # the 24th line fills the window: 24 times the same line
    assert stop(ids, None) is True and "import os" in (stop.reason or "")
    assert stop(ids, None) is True  # asked again with nothing new (llama-cpp-python does): still stopped
    quiet = LoopStop(lambda ids: b"".join(vocab[i] for i in ids), prompt_length=1, every=100)
    assert quiet([1] + [3] * 20, None) is False  # no newline and fewer tokens than `every`: not checked
