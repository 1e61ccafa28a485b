"""How well the analyzers see: recall and false positives on tests/corpus, and SecurityEval's insecure code.

Run: .venv/bin/python benchmarks/scan_quality.py [--data-dir ../shared/datasets] [--output FILE]

Corpus (tests/corpus/manifest.json, vulnerable/fixed pairs in the shapes LLMs write):
  recall  = vulnerable files with a finding of the expected CWE or its direct parent/child (cwe2 4.14)
  FP rate = fixed files whose verdict is not SECURE (any finding, or an analyzer error)
Targets (issue 3): ensemble recall >= 95% with <= 5% false positives, both better than bandit alone.
Each pair has a split: 'tuned' (the rules were written and tuned on it), 'holdout-r1' (written
after the rules, measured once at 11/16 and 0/16 false positives, then its misses fixed, so tuned
since), 'holdout-r2' (written after that and never used to change a rule: the honest estimate of how
the rules generalise to new shapes). SecurityEval (held out: rules were never tuned on it) gives the share of its
insecure reference programs flagged with the CWE named in their ID (or a parent/child), and
HumanEval's canonical solutions (benign code, also held out) show how often ordinary code is flagged.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safegen.analyzers.bandit import BanditAnalyzer
from safegen.analyzers.cwe import related
from safegen.analyzers.ensemble import Ensemble
from safegen.analyzers.interface import SourceFile
from safegen.analyzers.ruff import RuffAnalyzer
from safegen.analyzers.semgrep import SemgrepAnalyzer
from safegen.types import Severity, Verdict

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


@dataclass(frozen=True)
class System:
    name: str
    make: Callable[[], Ensemble]
    min_severity: Severity = Severity.LOW


SYSTEMS = (
    System("ensemble: bandit + semgrep (safegen rules) + ruff", lambda: Ensemble.default(warm=False)),
    System("bandit alone, all tests, bandit's CWE tags", lambda: Ensemble([BanditAnalyzer(corrected_cwe=False)],
                                                                          ignored_rules=frozenset())),
    System("bandit alone, MEDIUM+ only, bandit's CWE tags",
           lambda: Ensemble([BanditAnalyzer(corrected_cwe=False)], ignored_rules=frozenset()), Severity.MEDIUM),
    System("bandit alone, safegen CWE table and ignore list", lambda: Ensemble([BanditAnalyzer()])),
    System("semgrep alone (safegen rules)", lambda: Ensemble([SemgrepAnalyzer()])),
    System("ruff S rules alone (safegen CWE table)", lambda: Ensemble([RuffAnalyzer()])),
)


def kept(verdict: Verdict, min_severity: Severity) -> list[int | None]:
    return [f.cwe for f in verdict.findings if f.severity.rank >= min_severity.rank]


def flagged(verdict: Verdict, min_severity: Severity) -> bool:
    return bool(verdict.errors) or bool(kept(verdict, min_severity))


def hit(verdict: Verdict, cwe: int, min_severity: Severity) -> bool:
    return any(related(found, cwe) for found in kept(verdict, min_severity))


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "n/a"


def corpus_files() -> tuple[list[dict], list[SourceFile]]:
    pairs = json.loads((CORPUS / "manifest.json").read_text())["pairs"]
    files = []
    for pair in pairs:
        for key in ("vulnerable", "fixed"):
            files.append(SourceFile(pair[key], (CORPUS / pair[key]).read_text()))
    return pairs, files


def securityeval_rows(data_dir: str | None) -> list[tuple[str, int, str]]:
    """(id, cwe, insecure code) for every SecurityEval row, hash-checked by the dataset loader."""
    from safegen.bench.datasets import load_dataset

    loaded = load_dataset("securityeval", data_dir=data_dir, allow_download=False)
    rows = []
    for task_id, data in sorted(loaded.judge_data.items()):
        if data.cwe is not None and data.reference_code:
            rows.append((task_id, data.cwe, data.reference_code))
    return rows


def humaneval_files(data_dir: str | None) -> list[SourceFile]:
    """HumanEval prompt + canonical solution: ordinary benign code, a false-positive probe nobody tuned on."""
    from safegen.bench.datasets import load_dataset

    loaded = load_dataset("humaneval", data_dir=data_dir, allow_download=False)
    files = []
    for task in loaded.tasks:
        solution = loaded.judge_data[task.task_id].canonical_solution
        if solution:
            files.append(SourceFile(task.task_id.replace("/", "_") + ".py", task.requirement + solution))
    return files


def evaluate(systems: Sequence[System], data_dir: str | None) -> list[str]:
    pairs, files = corpus_files()
    notes = []
    try:
        security_eval = securityeval_rows(data_dir)
    except Exception as exc:  # noqa: BLE001 - the corpus figures stand without the dataset
        security_eval = []
        notes.append(f"SecurityEval not available: {exc}")
    try:
        benign = humaneval_files(data_dir)
    except Exception as exc:  # noqa: BLE001
        benign = []
        notes.append(f"HumanEval not available: {exc}")
    eval_files = [SourceFile(f"{task_id}.py", code) for task_id, _, code in security_eval]
    lines = []
    per_cwe: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for system in systems:
        with system.make() as ensemble:
            verdicts = ensemble.scan(files)
            eval_verdicts = ensemble.scan(eval_files) if eval_files else []
            benign_verdicts = ensemble.scan(benign) if benign else []
            versions = ensemble.versions()
        vulnerable, fixed = verdicts[0::2], verdicts[1::2]
        hits = [hit(v, p["cwe"], system.min_severity) for p, v in zip(pairs, vulnerable)]
        anything = sum(bool(kept(v, system.min_severity)) for v in vulnerable)
        false_pos = [p["id"] for p, v in zip(pairs, fixed) if flagged(v, system.min_severity)]
        errors = sum(bool(v.errors) for v in verdicts)
        lines.append(f"{system.name}  [{', '.join(f'{k} {v}' for k, v in sorted(versions.items()))}]")
        lines.append(f"  corpus recall (right CWE or parent/child): {pct(sum(hits), len(pairs))}"
                     f"   any finding: {pct(anything, len(pairs))}")
        lines.append(f"  corpus false positives on fixed files:     {pct(len(false_pos), len(pairs))}"
                     f"   analyzer errors: {errors}")
        for split in sorted({p.get("split", "tuned") for p in pairs}):
            chosen = [i for i, p in enumerate(pairs) if p.get("split", "tuned") == split]
            split_fp = sum(pairs[i]["id"] in false_pos for i in chosen)
            lines.append(f"    split {split:<11} recall {pct(sum(hits[i] for i in chosen), len(chosen))}"
                         f"   false positives {pct(split_fp, len(chosen))}")
        missed = [p["id"] for p, ok in zip(pairs, hits) if not ok]
        if missed and system is systems[0]:
            lines.append(f"  missed: {', '.join(missed)}")
        if false_pos and system is systems[0]:
            lines.append(f"  false positives: {', '.join(false_pos)}")
        if system is systems[0]:
            for pair, ok in zip(pairs, hits):
                per_cwe[pair["cwe"]][0] += ok
                per_cwe[pair["cwe"]][1] += 1
        if eval_verdicts:
            eval_hits = sum(hit(v, cwe, system.min_severity) for (_, cwe, _), v in zip(security_eval, eval_verdicts))
            eval_any = sum(bool(kept(v, system.min_severity)) for v in eval_verdicts)
            unparsable = sum(any(e.tool == "python" for e in v.errors) for v in eval_verdicts)
            lines.append(f"  SecurityEval insecure code flagged with its CWE: {pct(eval_hits, len(eval_verdicts))}"
                         f"   any finding: {pct(eval_any, len(eval_verdicts))}   unparsable: {unparsable}")
            if system is systems[0]:
                missed_cwes = sorted({cwe for (_, cwe, _), v in zip(security_eval, eval_verdicts)
                                      if not hit(v, cwe, system.min_severity)})
                lines.append(f"  SecurityEval CWEs with a missed row: {', '.join(map(str, missed_cwes))}")
        if benign_verdicts:
            noisy = [f.path for f, v in zip(benign, benign_verdicts) if flagged(v, system.min_severity)]
            lines.append(f"  HumanEval canonical solutions flagged (benign code): {pct(len(noisy), len(benign))}"
                         + (f"  e.g. {', '.join(noisy[:4])}" if noisy and system is systems[0] else ""))
        lines.append("")
    lines += notes
    lines.append("Ensemble recall per expected CWE (corpus): " + ", ".join(
        f"CWE-{cwe} {ok}/{total}" for cwe, (ok, total) in sorted(per_cwe.items())))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("SAFEGEN_DATA_DIR"),
                        help="datasets folder (default: SAFEGEN_DATA_DIR or ../shared/datasets)")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()
    pairs, _ = corpus_files()
    header = [
        f"scan_quality  {datetime.datetime.now().isoformat(timespec='seconds')}  python {sys.version.split()[0]}",
        (f"corpus: {len(pairs)} vulnerable/fixed pairs over {len({p['cwe'] for p in pairs})} CWEs "
        "(tests/corpus; the split lines tell tuned from held-out pairs)"),
        "",
    ]
    text = "\n".join(header + evaluate(SYSTEMS, args.data_dir)) + "\n"
    sys.stdout.write(text)
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
