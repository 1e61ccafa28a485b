"""derive_tests with a scripted model: the prompt it sends, the call it records, the tests it keeps."""

from __future__ import annotations

import pytest

from safegen.backends.fake import FakeBackend
from safegen.errors import BackendError
from safegen.types import Task
from safegen.verify import DeriveParams, derive_tests
from safegen.verify.derive import entry_point_of, roundtrip_pairs, template

ANSWER = ("```python\ndef test_sum():\n    assert add(1, 2) == 3\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
          "\ndef test_neg():\n    assert add(-1, 1) == 0\n```")
TASK = Task("t", "Write a function `add(a: int, b: int) -> int` that returns the sum of a and b.", "add")


def test_tests_come_back_with_the_call_recorded() -> None:
    backend = FakeBackend([ANSWER])
    derived = derive_tests(TASK, backend, DeriveParams(max_tests=2))
    assert [t.name for t in derived.tests] == ["test_sum", "test_zero"]
    assert derived.entry_point == "add" and "kept the first 2 of 3 tests" in derived.notes
    assert derived.call is not None and derived.call.purpose == "derive-tests" and derived.call.n == 1
    assert derived.call.completion_tokens > 0
    (call,) = backend.history
    prompt = call.messages[-1].content
    assert TASK.requirement in prompt and "at most 2 short tests" in prompt and "`add`" in prompt
    assert "round-trip" not in prompt
    assert type(derived).from_dict(derived.to_dict()) == derived


def test_the_tests_are_asked_for_from_the_requirement_alone() -> None:
    backend = FakeBackend([ANSWER])
    derive_tests(TASK, backend)
    sent = "\n".join(m.content for m in backend.history[0].messages)
    assert "Do not invent input validation" in sent and "def add" not in sent


@pytest.mark.parametrize("answer, note", [
    ("", "the answer was empty"),
    ("Sure! Here is how I would test it, in words.", "no parsable test code"),
    ("```python\ndef test_x(:\n```", "no parsable test code"),
])
def test_bad_answers_give_no_tests_and_a_note(answer: str, note: str) -> None:
    derived = derive_tests(TASK, FakeBackend([answer]))
    assert derived.tests == () and any(note in n for n in derived.notes)
    assert derived.call is not None


def test_a_backend_that_continues_answers_is_started_in_a_python_fence() -> None:
    backend = FakeBackend(["def test_sum():\n    assert add(1, 2) == 3\n```"], continues_answers=True)
    derived = derive_tests(TASK, backend)
    assert backend.history[0].params.prefix == "```python\n"
    assert [t.name for t in derived.tests] == ["test_sum"]


def test_backend_errors_propagate_as_for_every_model_call() -> None:
    with pytest.raises(BackendError):
        derive_tests(TASK, FakeBackend([]))


def test_without_an_entry_point_nothing_is_asked() -> None:
    backend = FakeBackend([ANSWER])
    derived = derive_tests(Task("t", "Make my website faster."), backend)
    assert derived.tests == () and derived.entry_point is None and derived.call is None
    assert backend.history == [] and "no entry point" in derived.notes[0]


def test_an_explicit_entry_point_wins() -> None:
    derived = derive_tests(Task("t", "Add two numbers."), FakeBackend([ANSWER]), entry_point="add")
    assert derived.entry_point == "add" and len(derived.tests) == 3


@pytest.mark.parametrize("requirement, entry", [
    ("Write a Python function `get_domain`.\n\nSignature:\ndef get_domain(mail):\n", "get_domain"),
    ("def slug(text: str) -> str:\n    \"\"\"Lowercase and join with '-'.\"\"\"\n", "slug"),
    ("Implement a function named `parse_header` that splits a header.", "parse_header"),
    ("Write `save_upload(filename, data)` that stores a file.", "save_upload"),
    ("Write something useful.", None),
])
def test_entry_point_from_the_requirement(requirement: str, entry: str | None) -> None:
    assert entry_point_of(Task("t", requirement)) == entry


@pytest.mark.parametrize("requirement, pairs", [
    ("Write hash_password(p) -> str and verify_password(p, stored) -> bool.", [("hash", "verify")]),
    ("Encrypt a message with a key; decrypting it gives the message back.", [("encrypt", "decrypt")]),
    ("Write encodeRecord and decodeRecord for the wire format.", [("encode", "decode")]),
    ("save_config(path, cfg) and load_config(path)", [("save", "load")]),
    ("Return the text with HTML special characters escaped; unescape reverses it.", [("escape", "unescape")]),
    ("Return a salted hash of the password.", []),  # one half only: nothing to round-trip
    ("Write the file once it is ready.", []),  # "ready" is not "read"
])
def test_roundtrip_pairs(requirement: str, pairs: list[tuple[str, str]]) -> None:
    assert roundtrip_pairs(requirement) == pairs


def test_a_named_pair_asks_for_a_roundtrip_test_explicitly() -> None:
    task = Task("t", "Write hash_password(password) and verify_password(password, stored).", "hash_password")
    backend = FakeBackend([ANSWER])
    derived = derive_tests(task, backend)
    assert derived.roundtrips == ("hash/verify",)
    assert "round-trip test that does hash and then verify" in backend.history[0].messages[-1].content


def test_the_template_is_package_data_with_its_fields() -> None:
    text = template()
    for field in ("{requirement}", "{entry_point}", "{count}", "{roundtrip}"):
        assert field in text


def test_too_few_tests_are_asked_for_again_sampled_until_enough_are_kept() -> None:
    from safegen.verify.derive import derive_enough

    one = "```python\ndef test_sum():\n    assert add(1, 2) == 3\n```"
    backend = FakeBackend([one, "no tests here", ANSWER, ANSWER])
    derived = derive_enough(TASK, backend, DeriveParams(enough=3, tries=3))
    assert [t.name for t in derived.tests] == ["test_sum", "test_sum_s2", "test_zero_s2", "test_neg_s2"]
    assert any(note.startswith("derivation 2: ") for note in derived.notes)
    assert [c.params.temperature for c in backend.history] == [0.0, 0.7, 0.7]  # the fourth reply is never asked
    assert [c.params.seed for c in backend.history] == [0, 1, 2]
    enough = FakeBackend([ANSWER])
    assert len(derive_enough(TASK, enough, DeriveParams(enough=3)).tests) == 3 and len(enough.history) == 1
