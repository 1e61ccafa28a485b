"""The shipped scorer: ranking quality on held-out corpus pairs, robustness, persistence, bootstrapping."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from safegen.errors import ModelError
from safegen.scorer import DEFAULT_WEIGHTS, load_default_scorer
from safegen.scorer.model import VulnerabilityScorer
from safegen.scorer.pairs import is_held_out, load_corpus_pairs
from safegen.scorer.train import HELD_OUT_FRACTION
from safegen.scorer.training import bootstrap

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def scorer() -> VulnerabilityScorer:
    loaded = load_default_scorer()
    assert loaded is not None, "the package must ship trained weights"
    return loaded


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_ranks_fixed_below_vulnerable_on_held_out_corpus(scorer: VulnerabilityScorer) -> None:
    pairs = [p for p in load_corpus_pairs(CORPUS) if is_held_out(p.name, HELD_OUT_FRACTION)]
    assert len(pairs) >= 15
    trained_on = set(scorer.meta.get("corpus_train", []))
    assert trained_on, "the weights must record which corpus pairs they were trained on"
    assert not trained_on & {p.name for p in pairs}, "held-out pairs leaked into training"
    wins = sum(scorer.score(p.vulnerable) > scorer.score(p.fixed) for p in pairs)
    assert wins / len(pairs) >= 0.75, f"pairwise accuracy {wins}/{len(pairs)}"


def test_scores_are_probabilities_and_deterministic(scorer: VulnerabilityScorer) -> None:
    code = "import os\n\ndef ping(host):\n    return os.system('ping -c 1 ' + host)\n"
    first = scorer.score(code)
    assert 0.0 <= first <= 1.0
    assert scorer.score(code) == first


def test_token_scores_point_at_the_vulnerable_line(scorer: VulnerabilityScorer) -> None:
    code = ("import subprocess\n\n\ndef archive(folder: str) -> None:\n"
            '    """Pack a folder."""\n    name = folder.strip()\n'
            '    subprocess.call("tar czf out.tgz " + name, shell=True)\n')
    tokens = scorer.score_tokens(code)
    assert all(isinstance(line, int) and isinstance(text, str) and 0.0 <= value <= 1.0
               for line, text, value in tokens)
    assert {text for _, text, _ in tokens} >= {"subprocess", "call", "shell", "True"}
    lines = scorer.line_scores(code)
    assert max(lines, key=lambda line: lines[line]) == 7


@pytest.mark.parametrize("code", [
    "def f(:\n  return 'x\n",
    "\x00\xff garbage ((( ]]",
    "x" * 200_000,
    "eval(" * 5000,
    "import pickle\n" + "data = pickle.loads(blob)\n" * 3000,
])
def test_bad_input_never_raises(scorer: VulnerabilityScorer, code: str) -> None:
    value = scorer.score(code)
    assert 0.0 <= value <= 1.0
    assert isinstance(scorer.score_tokens(code), list)


def test_unparsable_code_is_scored_on_its_tokens(scorer: VulnerabilityScorer) -> None:
    broken = "def handler(cmd:\n    os.system(cmd)\n    return pickle.loads(cmd\n"
    assert scorer.score_tokens(broken)
    assert 0.0 <= scorer.score(broken) <= 1.0


def test_nothing_to_score(scorer: VulnerabilityScorer) -> None:
    assert scorer.score("") == 0.5
    assert scorer.score("\n\n   \n") == 0.5
    assert scorer.score(None) == 1.0  # type: ignore[arg-type]  # fail closed
    assert scorer.score_tokens("") == []


def test_save_load_round_trip(scorer: VulnerabilityScorer, tmp_path: Path) -> None:
    target = scorer.save(tmp_path / "copy.pt")
    again = VulnerabilityScorer.load(target)
    assert again.vocab == scorer.vocab
    assert again.meta == scorer.meta
    samples = [p.vulnerable for p in load_corpus_pairs(CORPUS)[:5]] or ["eval(x)\n"]
    for code in samples + ["import yaml\nyaml.load(s)\n"]:
        assert again.score(code) == scorer.score(code)
    assert DEFAULT_WEIGHTS.stat().st_size < 2 * 1024 * 1024


def test_load_rejects_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        VulnerabilityScorer.load(tmp_path / "absent.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x80\x04not a torch file")
    with pytest.raises(ModelError, match="unreadable"):
        VulnerabilityScorer.load(junk)
    assert load_default_scorer(junk) is None
    assert load_default_scorer(tmp_path / "absent.pt") is None


def test_no_torch_means_no_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    import safegen.scorer as scorer_pkg

    monkeypatch.setattr(scorer_pkg, "torch_available", lambda: False)
    assert scorer_pkg.load_default_scorer() is None
    monkeypatch.setenv("SAFEGEN_SCORER", "off")
    monkeypatch.setattr(scorer_pkg, "torch_available", lambda: True)
    assert scorer_pkg.load_default_scorer() is None


def _unseen_weakness_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """Unsafe model loading (CWE-502 through torch.load / numpy.load), absent from the templates."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        fn = rng.choice(["load_model", "restore", "read_weights", "load_checkpoint", "open_state"])
        arg = rng.choice(["path", "ckpt", "filename", "weights_file", "src"])
        if i % 2:
            vuln_call, fixed_call = f"torch.load({arg})", f"torch.load({arg}, weights_only=True)"
            imp = "import torch"
        else:
            vuln_call = f"numpy.load({arg}, allow_pickle=True)"
            fixed_call = f"numpy.load({arg}, allow_pickle=False)"
            imp = "import numpy"
        body = rng.choice(["    state = {call}\n    return state\n",
                           "    model = {call}\n    model.eval()\n    return model\n"])
        head = f"{imp}\n\n\ndef {fn}({arg}):\n"
        out.append((head + body.format(call=vuln_call), head + body.format(call=fixed_call)))
    return out


def test_bootstrap_widens_the_gap_on_repair_pairs(scorer: VulnerabilityScorer) -> None:
    pairs = _unseen_weakness_pairs(12, seed=1)

    def gap(model: VulnerabilityScorer) -> float:
        return sum(model.score(v) - model.score(f) for v, f in pairs) / len(pairs)

    before = gap(scorer)
    original_scores = [scorer.score(v) for v, _ in pairs]
    tuned = bootstrap(scorer, pairs, seed=0)
    after = gap(tuned)
    assert after > before + 0.2, f"gap {before:.3f} -> {after:.3f}"
    fresh = _unseen_weakness_pairs(8, seed=99)  # same weakness, other names: it generalises
    fresh_before = sum(scorer.score(v) - scorer.score(f) for v, f in fresh) / len(fresh)
    fresh_after = sum(tuned.score(v) - tuned.score(f) for v, f in fresh) / len(fresh)
    assert fresh_after > fresh_before + 0.1, f"unseen gap {fresh_before:.3f} -> {fresh_after:.3f}"
    assert [scorer.score(v) for v, _ in pairs] == original_scores, "bootstrap changed the original"
    assert tuned.meta["bootstrapped_pairs"] == len(pairs)
    assert len(tuned.vocab) >= len(scorer.vocab)


def test_bootstrap_rejects_empty_input(scorer: VulnerabilityScorer) -> None:
    from safegen.errors import InputError

    with pytest.raises(InputError):
        bootstrap(scorer, [])
    with pytest.raises(InputError):
        bootstrap(scorer, [("same", "same"), ("", "x")])


def test_train_entry_point_reports_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "safegen.scorer.train", "--out", str(tmp_path / "m.pt"),
                           "--base", str(DEFAULT_WEIGHTS), "--runs", str(tmp_path / "missing.jsonl")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "cannot read run file" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "safegen.scorer.train", "--out", str(tmp_path / "m.pt"),
                           "--base", str(tmp_path / "nope.pt")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 6 and "not found" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m.pt").exists()


def test_train_entry_point_bootstraps_from_run_records(tmp_path: Path) -> None:
    from safegen.types import (
        Candidate,
        RepairRound,
        RunRecord,
        Task,
        Verdict,
        VerdictStatus,
    )

    lines = []
    for i, (vuln, fixed) in enumerate(_unseen_weakness_pairs(6, seed=5)):
        before = Candidate("c0", vuln, "sample", verdict=Verdict(VerdictStatus.VULNERABLE))
        after = Candidate("c1", fixed, "repair", round=1, parent="c0", verdict=Verdict(VerdictStatus.SECURE))
        record = RunRecord(Task(f"t{i}", "load a model"), "securecoder", "fake", "fake", after,
                           (before, after), (RepairRound(1, "static", "fix", "c0", "c1", True),))
        lines.append(json.dumps(record.to_dict()))
    runs = tmp_path / "runs.jsonl"
    runs.write_text("\n".join(lines) + "\n")
    out = tmp_path / "tuned.pt"
    proc = subprocess.run([sys.executable, "-m", "safegen.scorer.train", "--out", str(out),
                           "--base", str(DEFAULT_WEIGHTS), "--runs", str(runs)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "6 before/after-repair pairs" in proc.stderr
    assert VulnerabilityScorer.load(out).meta["bootstrapped_pairs"] == 6
