"""How fast a verdict is: the ensemble vs the naive way (bandit and semgrep CLIs once per file).

Run: .venv/bin/python benchmarks/scan_speed.py [--singles 15] [--rounds 3] [--naive-files 10] [--output FILE]

Measures median wall-clock ms per candidate for one file and for batches of 10 and 100 files of
generated size (the corpus' vulnerable and fixed programs, 10-35 lines), for:
  ensemble warm  - Ensemble.default(): a semgrep engine is pre-started with the rules parsed while the
                   caller is idle (the gap between checks stands for the LLM generating the next candidate)
  ensemble cold  - Ensemble.default(warm=False): semgrep-core started per batch
  naive          - `bandit -f json FILE` and `semgrep scan --config RULES --json FILE` (with
                   --metrics=off --disable-version-check), both once per file; its cost per file does not
                   depend on the batch size, so it is measured on --naive-files files
Targets (issue 3): >= 5x faster than naive; a warm single-file verdict <= 300 ms. The machine is shared:
the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from safegen.analyzers.bandit import BanditAnalyzer
from safegen.analyzers.ensemble import Ensemble
from safegen.analyzers.interface import SourceFile
from safegen.analyzers.ruff import RuffAnalyzer
from safegen.analyzers.semgrep import SemgrepAnalyzer, cli_binary

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


def corpus_pool() -> list[SourceFile]:
    pairs = json.loads((CORPUS / "manifest.json").read_text())["pairs"]
    return [SourceFile(p[key], (CORPUS / p[key]).read_text()) for p in pairs for key in ("vulnerable", "fixed")]


def batch(pool: list[SourceFile], size: int, offset: int) -> list[SourceFile]:
    return [pool[(offset + i) % len(pool)] for i in range(size)]


def median_ms_per_candidate(run: Callable[[list[SourceFile]], object], pool: list[SourceFile], size: int,
                            rounds: int, gap: float = 0.0) -> float:
    samples = []
    for round_index in range(rounds):
        files = batch(pool, size, round_index * size)
        if gap:
            time.sleep(gap)
        started = time.perf_counter()
        run(files)
        samples.append((time.perf_counter() - started) * 1000 / size)
    return statistics.median(samples)


def naive_ms_per_file(files: list[SourceFile], rules_file: Path) -> tuple[float, float, float]:
    """(median total, median bandit, median semgrep) ms per file with one CLI process pair per file."""
    bandit = str(Path(sys.executable).parent / "bandit")
    semgrep = cli_binary() or "semgrep"
    totals, bandits, semgreps = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for index, source in enumerate(files):
            path = Path(tmp) / f"candidate_{index}.py"
            path.write_text(source.code)
            started = time.perf_counter()
            subprocess.run([bandit, "-q", "-f", "json", str(path)], capture_output=True, check=False)
            middle = time.perf_counter()
            out = subprocess.run([semgrep, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
                                  "--config", str(rules_file), str(path)], capture_output=True, check=False, cwd=tmp)
            done = time.perf_counter()
            json.loads(out.stdout)  # the naive way must have worked, or the comparison means nothing
            totals.append((done - started) * 1000)
            bandits.append((middle - started) * 1000)
            semgreps.append((done - middle) * 1000)
    return statistics.median(totals), statistics.median(bandits), statistics.median(semgreps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--singles", type=int, default=15, help="single-file checks per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds for the 10- and 100-file batches")
    parser.add_argument("--naive-files", dest="naive_files", type=int, default=10)
    parser.add_argument("--gap", type=float, default=0.5, help="idle seconds between warm single checks")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()

    pool = corpus_pool()
    lines = [(f"scan_speed  {datetime.datetime.now().isoformat(timespec='seconds')}  python {sys.version.split()[0]}  "
             f"cpus {os.cpu_count()}  load average at start {os.getloadavg()[0]:.2f}"),
             (f"files: corpus programs, {min(len(f.code.splitlines()) for f in pool)}-"
             f"{max(len(f.code.splitlines()) for f in pool)} lines "
             f"(median {statistics.median(len(f.code.splitlines()) for f in pool):.0f})"), ""]

    warm = Ensemble.default()
    cold = Ensemble.default(warm=False)
    versions = warm.versions()
    lines.append("analyzers: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    cold.scan(pool[:2])  # load bandit's plugins, cwe2's catalog, write the rules file
    warm.warm_up()
    time.sleep(1.0)

    results: dict[str, dict[int, float]] = {"ensemble warm": {}, "ensemble cold": {}}
    results["ensemble warm"][1] = median_ms_per_candidate(warm.scan, pool, 1, args.singles, gap=args.gap)
    warm_back_to_back = median_ms_per_candidate(warm.scan, pool, 1, args.singles)
    results["ensemble cold"][1] = median_ms_per_candidate(cold.scan, pool, 1, args.singles)
    for size in (10, 100):
        results["ensemble cold"][size] = median_ms_per_candidate(cold.scan, pool, size, args.rounds)
        results["ensemble warm"][size] = median_ms_per_candidate(warm.scan, pool, size, args.rounds, gap=args.gap)
    warm.close()
    cold.close()

    # What each part costs per file inside a 100-file batch.
    hundred = batch(pool, 100, 0)
    parts = {}
    for name, analyzer in (("bandit (in-process)", BanditAnalyzer()), ("ruff S (one process)", RuffAnalyzer()),
                           ("semgrep-core (one process)", SemgrepAnalyzer())):
        analyzer.analyze(hundred[:2])
        parts[name] = median_ms_per_candidate(analyzer.analyze, pool, 100, args.rounds)
    single_parts = {}
    for name, analyzer in (("bandit (in-process)", BanditAnalyzer()), ("ruff S (one process)", RuffAnalyzer())):
        analyzer.analyze(hundred[:2])
        single_parts[name] = median_ms_per_candidate(analyzer.analyze, pool, 1, args.singles)

    rules_file = SemgrepAnalyzer().rules_file()
    naive, naive_bandit, naive_semgrep = naive_ms_per_file(batch(pool, args.naive_files, 7), rules_file)

    lines += ["", "median ms per candidate      1 file   10 files  100 files"]
    for name, row in results.items():
        lines.append(f"  {name:<24}{row[1]:8.0f}{row[10]:10.1f}{row[100]:11.1f}")
    lines.append(f"  {'naive (CLIs per file)':<24}{naive:8.0f}{naive:10.0f}{naive:11.0f}"
                 f"   (bandit {naive_bandit:.0f} + semgrep {naive_semgrep:.0f}; {args.naive_files} files)")
    lines.append("speed-up over naive:")
    for name, row in results.items():
        lines.append(f"  {name:<24}" + "".join(f"{naive / row[size]:9.1f}x" for size in (1, 10, 100)))
    lines += ["", f"warm single file, back to back (no idle gap): {warm_back_to_back:.0f} ms",
              (f"warm single file after {args.gap:g} s idle: {results['ensemble warm'][1]:.0f} ms "
              f"(target <= 300 ms)"), "",
              "per-file cost of each analyzer in a 100-file batch: "
              + ", ".join(f"{k} {v:.1f} ms" for k, v in parts.items()),
              "one file alone: " + ", ".join(f"{k} {v:.1f} ms" for k, v in single_parts.items()),
              f"load average at end {os.getloadavg()[0]:.2f}"]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
