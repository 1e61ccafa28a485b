"""The latency `safegen serve` adds to an answer whose code is already clean (nothing to repair).

Run: .venv/bin/python benchmarks/serve_latency.py [--requests 30] [--output FILE]

A scripted upstream (tests/serve/servers.py, answering at once with a 5-line clean Python block) is asked
through the official openai client directly, then through `safegen serve --upstream` (harden mode, franc),
plain and streamed. The added latency is the proxy's median minus the direct median: one analyzer-ensemble
verdict (bandit, semgrep, ruff) on the block, plus the hop. The machine is shared: the load average is
printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openai

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve.servers import Upstream, serve

MESSAGES = [{"role": "user", "content": "Write digest(data: bytes) -> str returning a hex digest. CLEAN"}]


def timed(call: Callable[[], object], n: int) -> list[float]:
    """Milliseconds for ``n`` calls after two warm-up calls."""
    for _ in range(2):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def plain(client: openai.OpenAI) -> Callable[[], object]:
    return lambda: client.chat.completions.create(model="tiny", messages=MESSAGES)  # type: ignore[arg-type]


def streamed(client: openai.OpenAI) -> Callable[[], object]:
    return lambda: list(client.chat.completions.create(model="tiny", messages=MESSAGES,  # type: ignore[arg-type]
                                                       stream=True))


def row(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=10)
    return f"  {name:<28}{statistics.median(values):>9.1f}{q[8]:>9.1f}{min(values):>9.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    lines = [(f"serve_latency  {datetime.datetime.now().isoformat(timespec='seconds')}  python "
             f"{sys.version.split()[0]}  cpus {os.cpu_count()}  load average at start {load:.2f}"),
             f"answer: a clean 5-line Python block, {args.requests} requests each, after 2 warm-up requests", "",
             f"  {'ms per request':<28}{'median':>9}{'p90':>9}{'min':>9}"]
    with Upstream() as upstream:
        direct = openai.OpenAI(base_url=upstream.url, api_key="k", max_retries=0)
        results = {"direct, plain": timed(plain(direct), args.requests),
                   "direct, stream": timed(streamed(direct), args.requests)}
        with serve("--upstream", upstream.url, "--strategy", "franc", "--model", "tiny") as url:
            proxy = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
            results["safegen serve, plain"] = timed(plain(proxy), args.requests)
            results["safegen serve, stream"] = timed(streamed(proxy), args.requests)
    lines += [row(name, values) for name, values in results.items()]
    for kind in ("plain", "stream"):
        added = statistics.median(results[f"safegen serve, {kind}"]) - statistics.median(results[f"direct, {kind}"])
        lines.append(f"added latency ({kind}), median: {added:.1f} ms")
    lines.append(f"load average at end {os.getloadavg()[0]:.2f}")
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
