"""The vulnerable/fixed corpus: well formed, and the ensemble meets its quality target on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safegen.analyzers.cwe import related
from safegen.analyzers.ensemble import Ensemble
from safegen.analyzers.interface import SourceFile
from safegen.types import VerdictStatus

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PAIRS = json.loads((CORPUS / "manifest.json").read_text())["pairs"]


def test_manifest_is_complete() -> None:
    assert len(PAIRS) >= 40
    assert len({p["cwe"] for p in PAIRS}) >= 20
    assert len({p["id"] for p in PAIRS}) == len(PAIRS)
    listed = {p["vulnerable"] for p in PAIRS} | {p["fixed"] for p in PAIRS}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.py")}
    assert listed == on_disk
    for pair in PAIRS:
        for key in ("vulnerable", "fixed"):
            compile((CORPUS / pair[key]).read_text(), pair[key], "exec")
        assert isinstance(pair["cwe"], int) and pair["shape"] and pair["description"]
        assert pair["split"] in ("tuned", "holdout-r1", "holdout-r2")


@pytest.mark.slow
def test_ensemble_quality_on_corpus() -> None:
    """Recall >= 95% (right CWE or parent/child) and <= 5% false positives on the fixed versions."""
    files = []
    for pair in PAIRS:
        files += [SourceFile(pair["vulnerable"], (CORPUS / pair["vulnerable"]).read_text()),
                  SourceFile(pair["fixed"], (CORPUS / pair["fixed"]).read_text())]
    with Ensemble.default(warm=False) as ensemble:
        verdicts = ensemble.scan(files)
    assert not any(v.errors for v in verdicts), [v.errors for v in verdicts if v.errors]
    missed = [p["id"] for p, v in zip(PAIRS, verdicts[0::2]) if not any(related(f.cwe, p["cwe"]) for f in v.findings)]
    flagged = [p["id"] for p, v in zip(PAIRS, verdicts[1::2]) if v.status is not VerdictStatus.SECURE]
    assert len(missed) <= 0.05 * len(PAIRS), missed
    assert len(flagged) <= 0.05 * len(PAIRS), flagged
