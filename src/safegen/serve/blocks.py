"""The Python code blocks of a chat answer (Markdown fences) and putting hardened code back in their place."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n`]*\n"
                    r"(?P<body>.*?)"
                    r"^(?P=indent)(?P=fence)[ \t]*$", re.DOTALL | re.MULTILINE)
PYTHON_LANGS = frozenset({"python", "python3", "py", "py3"})


@dataclass(frozen=True)
class CodeBlock:
    """One fenced Python block: its code and where the code sits in the answer (``start``:``end``)."""

    index: int
    language: str
    code: str
    start: int
    end: int


def _is_python(lang: str, body: str) -> bool:
    if lang.lower() in PYTHON_LANGS:
        return True
    if lang:  # another language named: leave it alone
        return False
    try:
        compile(body, "<block>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def python_blocks(text: str) -> list[CodeBlock]:
    """The fenced blocks labelled Python, or unlabelled and valid Python, in order."""
    blocks: list[CodeBlock] = []
    for match in _FENCE.finditer(text):
        body = match.group("body")
        if body.strip() and _is_python(match.group("lang"), body):
            blocks.append(CodeBlock(len(blocks), match.group("lang") or "python", body,
                                    match.start("body"), match.end("body")))
    return blocks


def replace_blocks(text: str, replacements: dict[int, str]) -> str:
    """``text`` with the code of the blocks named by index replaced (each ending with one newline)."""
    if not replacements:
        return text
    out: list[str] = []
    last = 0
    for block in python_blocks(text):
        if block.index in replacements:
            code = replacements[block.index]
            out += [text[last:block.start], code if code.endswith("\n") else code + "\n"]
            last = block.end
    out.append(text[last:])
    return "".join(out)
