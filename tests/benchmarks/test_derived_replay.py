"""benchmarks/derived_replay.py: the ways to choose an answer from its derived-test runs, and the saved replays."""

from __future__ import annotations

from collections import Counter

from safegen.verify.records import TestRun

from . import load_script

derived_replay = load_script("derived_replay")


def _replay(vectors: list[str], trusted: tuple[str, ...], consensus: tuple[int, ...], working: int) -> object:
    runs = tuple(tuple(TestRun(f"t{i}", bit == "1", "" if bit == "1" else f"t{i}: AssertionError")
                       for i, bit in enumerate(vector)) for vector in vectors)
    hidden = tuple({"func": i == working, "sec": True, "func-sec": i == working} for i in range(len(vectors)))
    return derived_replay.Replay("s/1", hidden, runs, trusted, consensus, kept=0)


def test_three_alike_wrong_answers_outvote_one_that_passes_more_tests_only_under_the_consensus_rules() -> None:
    # CodeT's score ties (3 answers x 1 test against 1 answer x 3 tests); the larger group wins it
    replay = _replay(["0100", "0100", "1110", "0100"], trusted=("t1",), consensus=(0, 1, 3), working=2)
    picks = {name: rule(replay) for name, rule in derived_replay.RULES.items()}
    assert picks == {"first": 0, "trusted": 0, "most": 2, "trusted-most": 2, "consensus": 0, "behaviour": 0}


def test_an_answer_failing_a_trusted_test_is_not_kept_by_passing_more_others() -> None:
    replay = _replay(["1011", "0111", "1100"], trusted=("t0",), consensus=(0, 2), working=0)
    assert derived_replay.pick_trusted_most(replay) == 0  # 1 passes three tests but fails the trusted t0
    assert derived_replay.pick_most(replay) == 0  # ties go to the first answer


def test_replays_survive_their_json_lines_and_are_summarized_by_the_answer_each_rule_picks() -> None:
    replay = _replay(["0100", "1110"], trusted=(), consensus=(), working=1)
    again = derived_replay.Replay.from_json(replay.to_json())
    assert again == replay
    counts: Counter[str] = Counter()
    lines = derived_replay.summarize([again], counts)
    assert counts["first: func"] == 0 and counts["most: func"] == 1 and counts["tasks"] == 1
    assert lines[0].startswith("  s/1: tests 4, trusted 0; answers .S:0100 FS:1110; run kept 0;")
