"""Ask the model for small functional tests of the entry point, written from the requirement alone.

The tests never see a candidate's code, so a test and a candidate that agree are two independent
readings of the requirement (CodeT's dual agreement; see ``agreement.py``).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from importlib import resources

from safegen.backends.interface import ChatMessage, GenerationParams, LLMBackend
from safegen.types import LLMCall, Task
from safegen.verify.records import DerivedTests
from safegen.verify.testparse import parse_tests

PURPOSE = "derive-tests"
SYSTEM = ("You write unit tests for a Python function from its specification only. "
          "You never write the function itself.")
TEMPLATE = "derive_tests.txt"
ANSWER_START = "```python\n"  # where the backend can continue an answer: keeps a small model on format

# (first, second, why): when the requirement names both operations, a round-trip test is asked for.
ROUNDTRIPS: tuple[tuple[str, str, str], ...] = (
    ("hash", "verify", "a password hashed for storage must verify against the same password"),
    ("sign", "verify", "a signature must verify for the data it signed"),
    ("encrypt", "decrypt", "decrypting what was encrypted gives the plaintext back"),
    ("encode", "decode", "decoding what was encoded gives the value back"),
    ("serialize", "deserialize", "deserializing what was serialized gives the object back"),
    ("dump", "load", "loading what was dumped gives the object back (dumps/loads too)"),
    ("save", "load", "loading what was saved gives the data back"),
    ("store", "retrieve", "retrieving what was stored gives the data back"),
    ("write", "read", "reading what was written gives the data back"),
    ("escape", "unescape", "unescaping what was escaped gives the text back"),
    ("quote", "unquote", "unquoting what was quoted gives the text back"),
    ("compress", "decompress", "decompressing what was compressed gives the bytes back"),
    ("pack", "unpack", "unpacking what was packed gives the values back"),
    ("tokenize", "detokenize", "joining the tokens gives the text back"),
)
# (stem ending, what it is replaced by): verify/verifies/verified, encode/encodes/encoding, hash/hashes/hashed.
_INFLECTIONS = (("y", "(?:y|ies|ied|ying|ication)"), ("e", "(?:e|es|ed|ing|er|ers)"), ("", "(?:|s|es|ed|ing|er|ers)"))

# (pattern, why): where a prose requirement names the function it asks for; the first match wins.
ENTRY_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE), "a signature line, as SecCodePLT gives"),
    (re.compile(r"\bfunction\s+(?:called\s+|named\s+)?`([A-Za-z_]\w*)"), "\"function `name`\" in prose"),
    (re.compile(r"`([A-Za-z_]\w*)\s*\("), "a call or signature in backticks"),
)


@dataclass(frozen=True)
class DeriveParams:
    """How many tests to keep and how to sample the one answer they come from."""

    max_tests: int = 6
    max_tokens: int = 448  # six small tests fit (dev answers ran on to 768 writing tests beyond the six kept)
    temperature: float = 0.0
    seed: int | None = 0
    enough: int = 0  # ask again, sampled, while fewer tests than this are kept (derive_enough)
    tries: int = 3  # derivations at most, the first included (derive_enough)
    retry_temperature: float = 0.7


# the ``more_tests`` flag: on the dev samples' answers a third of the derivations kept 0-2 tests, too few to vote
MORE_TESTS = DeriveParams(enough=3, tries=3)


def _words(text: str) -> str:
    """The requirement with identifiers split into words: ``hash_password`` and ``hashPassword`` hold "hash"."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return re.sub(r"[_\W]+", " ", spaced).lower()


def _names(words: str, stem: str) -> bool:
    """Whether ``words`` holds ``stem`` or one of its inflections."""
    ending, forms = next((e, f) for e, f in _INFLECTIONS if stem.endswith(e))
    root = stem[:len(stem) - len(ending)]
    return re.search(rf"\b{re.escape(root)}{forms}\b", words) is not None


def roundtrip_pairs(requirement: str) -> list[tuple[str, str]]:
    """The operation pairs the requirement names both halves of."""
    words = _words(requirement)
    return [(first, second) for first, second, _why in ROUNDTRIPS if _names(words, first) and _names(words, second)]


def entry_point_of(task: Task) -> str | None:
    """The function the tests call: the task's, else the one a code prompt or a prose signature names."""
    if task.entry_point:
        return task.entry_point
    from safegen.prompts.extract import find_entry_point

    found = find_entry_point(task.requirement)
    if found:
        return found
    for pattern, _why in ENTRY_PATTERNS:
        match = pattern.search(task.requirement)
        if match:
            return match.group(1)
    return None


def template() -> str:
    return resources.files("safegen.verify").joinpath(TEMPLATE).read_text(encoding="utf-8")


def messages(requirement: str, entry_point: str, count: int) -> list[ChatMessage]:
    """The chat that asks for tests; round trips are asked for by name when the requirement has both halves."""
    pairs = roundtrip_pairs(requirement)
    roundtrip = "".join(
        f"- The requirement involves both {first} and {second}: include one round-trip test that does {first} "
        f"and then {second} on the same value and checks that the original comes back or is accepted.\n"
        for first, second in pairs)
    text = template().format(requirement=requirement.strip(), entry_point=entry_point, count=count,
                             roundtrip=roundtrip)
    return [ChatMessage("system", SYSTEM), ChatMessage("user", text)]


def derive_tests(task: Task, backend: LLMBackend, params: DeriveParams | None = None, *,
                 entry_point: str | None = None) -> DerivedTests:
    """Ask ``backend`` once for tests of the entry point; bad answers give no tests and a note, never an error.

    ``entry_point`` overrides the task's (for a prose requirement it may be known only from the first
    candidate). Backend errors propagate, as for every other stage's model call.
    """
    params = params or DeriveParams()
    entry = entry_point or entry_point_of(task)
    if not entry:
        return DerivedTests(entry_point=None, notes=("no entry point to test: the requirement names no function",))
    if params.max_tests < 1:
        return DerivedTests(entry_point=entry, notes=("derived tests are capped at 0",))
    pairs = tuple(f"{first}/{second}" for first, second in roundtrip_pairs(task.requirement))
    prefix = ANSWER_START if backend.continues_answers else ""
    generation = GenerationParams(n=1, temperature=params.temperature, max_tokens=params.max_tokens,
                                  seed=params.seed, prefix=prefix)
    start = time.perf_counter()
    completions = backend.complete(messages(task.requirement, entry, params.max_tests), generation)
    seconds = sum(c.seconds for c in completions) or (time.perf_counter() - start)
    call = LLMCall(purpose=PURPOSE, n=1, prompt_tokens=sum(c.prompt_tokens for c in completions),
                   completion_tokens=sum(c.completion_tokens for c in completions), seconds=round(seconds, 4),
                   finish_reasons=tuple(c.finish_reason for c in completions))
    text = completions[0].text if completions else ""
    parsed = parse_tests(text, entry, task.requirement, limit=params.max_tests)
    notes = parsed.notes
    if completions and completions[0].finish_reason == "length":
        notes = ("the answer reached the token limit", *notes)
    return DerivedTests(entry_point=entry, tests=parsed.tests, notes=notes, roundtrips=pairs, call=call)


def derive_enough(task: Task, backend: LLMBackend, params: DeriveParams, *,
                  entry_point: str | None = None) -> DerivedTests:
    """:func:`derive_tests`, then sampled derivations (seeds 1, 2, ...) while fewer than ``params.enough`` tests
    are kept, up to ``params.tries`` in all; their tests together (renamed apart), their notes in order."""
    derived = derive_tests(task, backend, params, entry_point=entry_point)
    tests, notes = list(derived.tests), list(derived.notes)
    for number in range(1, params.tries):
        if len(tests) >= params.enough or derived.entry_point is None:
            break
        more = derive_tests(task, backend, dataclasses.replace(params, temperature=params.retry_temperature,
                                                                seed=number), entry_point=entry_point)
        tests += [dataclasses.replace(test, name=f"{test.name}_s{number}") for test in more.tests]
        notes += [f"derivation {number + 1}: {note}" for note in more.notes]
    return dataclasses.replace(derived, tests=tuple(tests), notes=tuple(notes))
