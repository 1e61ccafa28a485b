"""Finding Python blocks in answers, putting hardened code back, and checking chat requests."""

from __future__ import annotations

import json

import pytest

from safegen.backends.fake import FakeBackend
from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.serve.blocks import python_blocks, replace_blocks
from safegen.serve.harden import SeededBackend
from safegen.serve.protocol import RequestError, parse_request

ANSWER = """Intro.

```python
import os
os.system(cmd)
```

A shell block stays:

```bash
rm -rf /tmp/x
```

```
x = eval(s)
```

~~~py
print("tilde")
~~~

```
this is not python (
```
"""


def test_python_blocks_are_labelled_or_parse_as_python() -> None:
    blocks = python_blocks(ANSWER)
    assert [b.code for b in blocks] == ["import os\nos.system(cmd)\n", "x = eval(s)\n", 'print("tilde")\n']
    assert [b.index for b in blocks] == [0, 1, 2]


def test_replace_blocks_keeps_everything_else() -> None:
    out = replace_blocks(ANSWER, {0: "import subprocess\nsubprocess.run([cmd])", 2: 'print("t")\n'})
    assert "import subprocess\nsubprocess.run([cmd])\n```" in out
    assert 'print("t")\n~~~' in out and "os.system" not in out
    assert out.replace("import subprocess\nsubprocess.run([cmd])", "import os\nos.system(cmd)").replace(
        'print("t")', 'print("tilde")') == ANSWER
    assert replace_blocks(ANSWER, {}) == ANSWER


def test_seeded_backend_answers_fresh_conversations_and_forwards_repairs() -> None:
    inner = FakeBackend(["```python\nfixed = 1\n```"])
    seeded = SeededBackend(inner, "code = 1")
    base = [ChatMessage("system", "s"), ChatMessage("user", "task")]
    first = seeded.complete(base, GenerationParams(n=2))
    assert [c.text for c in first] == ["```python\ncode = 1\n```"] * 2 and not inner.history
    assert seeded.complete([ChatMessage("user", "imports?")], GenerationParams())[0].text.startswith("```python\ncode")
    repair = [*base, ChatMessage("assistant", "```python\ncode = 1\n```"), ChatMessage("user", "fix CWE-78")]
    assert seeded.complete(repair, GenerationParams())[0].text == "```python\nfixed = 1\n```"
    assert seeded.forwarded == 1 and len(inner.history) == 1


def test_code_the_client_has_is_hardened_as_one_answer() -> None:
    from safegen.registry import STRATEGIES
    from safegen.serve.harden import seeded_strategy

    assert STRATEGIES.get("safegen")().answers == 4  # the default asks for four answers ...
    assert seeded_strategy("safegen").answers == 1  # ... which the seeded backend would answer with copies
    assert type(seeded_strategy("franc")).__name__ == "FrancStrategy"  # a strategy without the flag is as it is


DEFAULTS = GenerationParams(temperature=0.0, top_p=0.95, max_tokens=1024, seed=0)


def test_parse_request_reads_the_openai_fields() -> None:
    body = {"model": "m", "stream": True, "stream_options": {"include_usage": True}, "temperature": 0.5,
            "max_completion_tokens": 64, "stop": "END", "seed": 3,
            "messages": [{"role": "developer", "content": "be safe"},
                         {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}
    req = parse_request(json.dumps(body).encode(), DEFAULTS)
    assert req.model == "m" and req.stream and req.include_usage
    assert req.messages == (ChatMessage("system", "be safe"), ChatMessage("user", "a\nb"))
    assert (req.params.temperature, req.params.max_tokens, req.params.stop, req.params.seed) == (0.5, 64, ("END",), 3)
    plain = parse_request(b'{"messages": [{"role": "user", "content": "hi"}]}', DEFAULTS)
    assert plain.params == DEFAULTS and not plain.stream


@pytest.mark.parametrize(("body", "param"), [
    ([], None),
    ({"messages": "hi"}, "messages"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages[0].content[0]"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "x"}], "top_p": True}, "top_p"),
    ({"messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"messages": [{"role": "user", "content": "x"}], "model": 3}, "model"),
])
def test_parse_request_refuses_bad_fields(body: object, param: str | None) -> None:
    with pytest.raises(RequestError) as info:
        parse_request(json.dumps(body).encode(), DEFAULTS)
    assert info.value.param == param


@pytest.mark.parametrize("args", [["--upstream", "ftp://example.invalid/v1"], ["--workers", "0"],
                                  ["--port", "70000"], ["--keepalive", "0"]])
def test_serve_refuses_bad_options(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from safegen.cli import main

    assert main(["serve", *args]) == 2
    assert "safegen: error:" in capsys.readouterr().err
