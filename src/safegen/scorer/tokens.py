"""Turn Python source into (line, text, symbol) tokens that the scorer's vocabulary understands.

Uses the standard ``tokenize`` module; code that stops tokenizing part-way (unparsable model
output) keeps the tokens read so far and the rest is split by a plain regular expression, so
every input yields tokens and nothing raises.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

from safegen.textscan import top_level

# Structural symbols that carry layout but are never reported by score_tokens.
NEWLINE = "<NL>"
INDENT = "<INDENT>"
DEDENT = "<DEDENT>"
STRUCTURAL = frozenset({NEWLINE, INDENT, DEDENT})

# Semantic cue words: an identifier outside the vocabulary maps to its first cue, else to <ID>.
CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("secret", ("password", "passwd", "pwd", "pass", "secret", "token", "apikey", "credential",
                "credentials", "auth", "key", "salt", "nonce", "otp")),
    ("query", ("sql", "query", "stmt", "statement", "where", "filter", "search")),
    ("cmd", ("cmd", "command", "shell", "exe", "args", "argv", "program", "proc", "process")),
    ("path", ("path", "file", "filename", "fname", "dir", "directory", "folder", "upload",
              "archive", "zip", "tar", "doc", "document")),
    ("url", ("url", "uri", "link", "redirect", "next", "target", "host", "endpoint", "domain",
             "site", "callback")),
    ("html", ("html", "page", "template", "markup", "body", "content", "message", "msg",
              "comment", "text")),
    ("user", ("user", "username", "login", "account", "name", "email", "role", "admin")),
    ("data", ("data", "payload", "blob", "raw", "input", "req", "request", "param", "params",
              "value", "val", "arg")),
    ("xml", ("xml", "xpath", "node", "element", "tree")),
)
CUE_SYMBOLS = tuple(f"<ID:{name}>" for name, _ in CUES)
FIELD_START = "<FX>"  # an f-string's replacement field opens; its expression's tokens follow
FIELD_END = "<FX_END>"
SPECIAL_SYMBOLS = ("<PAD>", "<UNK>", "<ID>", "<NUM>", "<OP>", NEWLINE, INDENT, DEDENT,
                   FIELD_START, FIELD_END) + CUE_SYMBOLS

STRING_CLASSES = (
    "<S_EMPTY>", "<S_DOC>", "<S_SQL>", "<S_SQL_F>", "<S_SQL_PCT>", "<S_SQL_BRACE>", "<S_SQL_CAT>",
    "<S_SQL_PARAM>", "<S_SHELL>", "<S_SHELL_F>", "<S_HTML>", "<S_HTML_F>", "<S_HTTP>",
    "<S_HTTPS>", "<S_FTP>", "<S_PATH>", "<S_PATH_F>", "<S_F>", "<S_BRACE>", "<S_PCT>",
    "<S_SECRETLIKE>", "<S_WORD>", "<S_TEXT>", "<S_XML>", "<S_XML_F>", "<S_BYTES>", "<S_REGEX>",
)

_SQL_WORDS = re.compile(r"\b(select|insert|update|delete|drop|create|where|from|into|values|"
                        r"table|set|order by|join|like)\b", re.IGNORECASE)
_SHELL_START = re.compile(r"^\s*(ls|rm|cat|ping|grep|echo|tar|curl|wget|git|cp|mv|chmod|chown|"
                          r"find|sh|bash|mkdir|touch|nslookup|dig|whois|ps|kill|unzip|zip|gzip|"
                          r"convert|ffmpeg|python|python3|pip|du|df|head|tail|wc|sort|which|"
                          r"traceroute|host|openssl|sed|awk|date|id|whoami)\b")
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*[^<>]*>")
_SECRETLIKE = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9!@#$%^&*_\-])[^\s]{6,}$")
_FALLBACK = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*|\"[^\"\n]*\"?|'[^'\n]*'?|\S")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_PREFIX_QUOTE = re.compile(r"^([A-Za-z]*)(\'\'\'|\"\"\"|\'|\")")


@dataclass(frozen=True)
class Tok:
    """One source token: 1-based line, its text, and the vocabulary symbol it stands for."""

    line: int
    text: str
    symbol: str


def split_identifier(name: str) -> list[str]:
    """Split snake_case and camelCase into lowercase parts."""
    parts: list[str] = []
    for chunk in name.split("_"):
        parts.extend(p.lower() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", chunk))
    return [p for p in parts if p]


def identifier_cue(name: str) -> str:
    """The cue symbol for an out-of-vocabulary identifier (``<ID>`` when none applies)."""
    parts = split_identifier(name)
    joined = name.lower()
    for cue, words in CUES:
        for word in words:
            if word in parts or (len(word) >= 5 and word in joined):
                return f"<ID:{cue}>"
    return "<ID>"


def _string_body(text: str) -> tuple[str, str]:
    """(prefix letters lower-cased, body without quotes) of a string literal's source text."""
    match = _PREFIX_QUOTE.match(text)
    if not match:
        return "", text
    prefix, quote = match.group(1).lower(), match.group(2)
    body = text[len(match.group(0)):]
    body = body.removesuffix(quote)
    if "f" not in prefix and "r" not in prefix:
        try:
            value = ast.literal_eval(text)
            body = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
    return prefix, body


def string_class(text: str, is_docstring: bool = False) -> tuple[str, str]:
    """(literal key, class symbol) for a string token; the key is used when it is in the vocabulary."""
    prefix, body = _string_body(text)
    literal = "S:" + body if len(body) <= 24 and "\n" not in body else ""
    is_f = "f" in prefix
    if is_docstring:
        return "", "<S_DOC>"
    if not body:
        return literal, "<S_EMPTY>"
    lowered = body.lower()
    has_brace = bool(re.search(r"\{[^{}]*\}", body))
    has_pct = bool(re.search(r"%(\([a-z_]+\))?[sdrf]", body))
    if len(_SQL_WORDS.findall(body)) >= 2:
        if is_f:
            return literal, "<S_SQL_F>"
        if has_pct:
            return literal, "<S_SQL_PCT>"
        if has_brace:
            return literal, "<S_SQL_BRACE>"
        if "?" in body or re.search(r":[a-z_]+", body):
            return literal, "<S_SQL_PARAM>"
        if re.search(r"(=|like|in)\s*['\"(]?\s*$", lowered):
            return literal, "<S_SQL_CAT>"
        return literal, "<S_SQL>"
    if lowered.startswith(("http://",)):
        return literal, "<S_HTTP>"
    if lowered.startswith(("https://",)):
        return literal, "<S_HTTPS>"
    if lowered.startswith(("ftp://", "telnet://")):
        return literal, "<S_FTP>"
    if "<!entity" in lowered or "<?xml" in lowered or "<!doctype" in lowered:
        return literal, "<S_XML_F>" if is_f else "<S_XML>"
    if _HTML.search(body):
        return literal, "<S_HTML_F>" if (is_f or has_brace or has_pct) else "<S_HTML>"
    if "b" in prefix:
        return literal, "<S_BYTES>"
    if _SHELL_START.match(body) or re.search(r"(\s\|\s|&&|;\s*\w|`)", body):
        return literal, "<S_SHELL_F>" if (is_f or has_brace or has_pct) else "<S_SHELL>"
    if "r" in prefix and re.search(r"[\\^$*+?\[\]]", body):
        return literal, "<S_REGEX>"
    if "/" in body and " " not in body.strip():
        return literal, "<S_PATH_F>" if (is_f or has_brace or has_pct) else "<S_PATH>"
    if is_f:
        return literal, "<S_F>"
    if has_brace:
        return literal, "<S_BRACE>"
    if has_pct:
        return literal, "<S_PCT>"
    if _SECRETLIKE.match(body) and not _WORD.match(body):
        return literal, "<S_SECRETLIKE>"
    if _WORD.match(body):
        return literal, "<S_WORD>"
    return literal, "<S_TEXT>"


def _raw_tokens(code: str) -> list[tuple[int, str, int, bool]]:
    """(token type, text, line, is_docstring) from ``tokenize``, regex-split after any error."""
    out: list[tuple[int, str, int, bool]] = []
    lines = code.splitlines(keepends=True)
    last_line = 0
    prev_type = tokenize.NEWLINE
    fstring_depth = 0
    fstring_start: tuple[int, int] | None = None
    fstart_type = getattr(tokenize, "FSTRING_START", -1)
    fend_type = getattr(tokenize, "FSTRING_END", -2)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            # Python >= 3.12 splits f-strings; rebuild them as one STRING token like 3.11 does.
            if tok.type == fstart_type:
                if fstring_depth == 0:
                    fstring_start = tok.start
                fstring_depth += 1
                continue
            if fstring_depth:
                if tok.type == fend_type:
                    fstring_depth -= 1
                    if fstring_depth == 0 and fstring_start is not None:
                        text = _span(lines, fstring_start, tok.end)
                        out.append((tokenize.STRING, text, fstring_start[0], False))
                        prev_type = tokenize.STRING
                        last_line = tok.end[0]
                continue
            is_doc = tok.type == tokenize.STRING and prev_type in (
                tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL)
            if tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING):
                prev_type = tok.type
            out.append((tok.type, tok.string, tok.start[0], is_doc))
            last_line = tok.end[0]
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        for number, text in enumerate(lines[last_line:], start=last_line + 1):
            for piece in _FALLBACK.findall(text):
                kind = tokenize.NAME if re.match(r"[A-Za-z_]", piece) else (
                    tokenize.STRING if piece[0] in "'\"" else (
                        tokenize.NUMBER if piece[0].isdigit() else tokenize.OP))
                out.append((kind, piece, number, False))
            out.append((tokenize.NEWLINE, "\n", number, False))
    return out


def _span(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Source text between two (line, col) positions."""
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1]:end[1]]
    parts = [lines[start[0] - 1][start[1]:]]
    parts.extend(lines[start[0]:end[0] - 1])
    parts.append(lines[end[0] - 1][:end[1]])
    return "".join(parts)


def fstring_fields(text: str) -> list[str]:
    """The expressions inside an f-string literal's replacement fields (format specs dropped)."""
    match = _PREFIX_QUOTE.match(text)
    if not match or "f" not in match.group(1).lower():
        return []
    body = text[len(match.group(0)):]
    fields: list[str] = []
    i, depth, start = 0, 0, 0
    while i < len(body):
        ch = body[i]
        if depth == 0:
            if body.startswith("{{", i):
                i += 2
                continue
            if ch == "{":
                depth, start = 1, i + 1
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                fields.append(_strip_spec(body[start:i]))
        i += 1
    return [f for f in fields if f.strip()]


def _strip_spec(field: str) -> str:
    """Drop ``!r`` conversions, ``:spec`` formats and a trailing ``=`` from a field expression."""
    for i in top_level(field, ":!"):
        if field[i] == ":" or field[i + 1:i + 2] != "=":
            return field[:i].rstrip("= ")
    if field.endswith("=") and not field.endswith(("==", "!=", "<=", ">=")):
        return field[:-1]
    return field


def tokenize_code(code: str, vocab: frozenset[str] | None = None, _depth: int = 0) -> list[Tok]:
    """Tokens of ``code`` with their symbols; names and literals outside ``vocab`` fall back to classes.

    An f-string is one token for its class, followed by the tokens of each expression it
    interpolates (between <FX> and <FX_END>), so ``{escape(name)}`` differs from ``{name}``.
    """
    if not isinstance(code, str):
        return []
    code = code.replace("\x00", "")
    tokens: list[Tok] = []
    for kind, text, line, is_doc in _raw_tokens(code):
        if kind == tokenize.NAME:
            if keyword.iskeyword(text) or (vocab is None or text in vocab):
                symbol = text
            else:
                symbol = identifier_cue(text)
        elif kind == tokenize.STRING:
            literal, cls = string_class(text, is_doc)
            symbol = literal if literal and vocab is not None and literal in vocab else cls
            fields = fstring_fields(text) if _depth < 3 and not is_doc else []
            if fields:
                tokens.append(Tok(line, text, symbol))
                for expr in fields:
                    tokens.append(Tok(line, "{", FIELD_START))
                    inner = tokenize_code(" ".join(expr.split("\n")), vocab, _depth + 1)
                    tokens.extend(Tok(line, t.text, t.symbol) for t in inner
                                  if t.symbol not in STRUCTURAL)
                    tokens.append(Tok(line, "}", FIELD_END))
                continue
        elif kind == tokenize.NUMBER:
            symbol = text if vocab is None or text in vocab else "<NUM>"
        elif kind == tokenize.OP:
            symbol = text if vocab is None or text in vocab else "<OP>"
        elif kind == tokenize.NEWLINE:
            symbol = NEWLINE
        elif kind == tokenize.INDENT:
            symbol = INDENT
        elif kind == tokenize.DEDENT:
            symbol = DEDENT
        elif kind == tokenize.ERRORTOKEN:
            if not text.strip():
                continue
            symbol = "<UNK>"
        else:
            continue
        tokens.append(Tok(line, text, symbol))
    return tokens


def vocabulary_keys(tok: Tok) -> list[str]:
    """Keys a token may contribute to a vocabulary being built (its raw name or literal)."""
    if tok.symbol in STRUCTURAL:
        return []
    if tok.text[:1] in "'\"" or re.match(r"^[A-Za-z]{1,3}['\"]", tok.text):
        literal, _ = string_class(tok.text)
        return [literal] if literal else []
    return [tok.text]
