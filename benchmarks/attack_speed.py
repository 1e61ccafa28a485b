"""What the attack stage costs per candidate: generic probes (no model), one sandbox worker reused throughout.

Candidates are the probe fixtures (tests/attack/fixtures/*/{vulnerable,fixed}.py), attacked with the probes
their code and requirement select, as the repair loop will call ``attack()``. Figures are wall-clock
seconds per candidate (median and max over the group, medians of the rounds), split by plain functions
and web handlers, and by fixed code (the common case) and vulnerable code (a ReDoS or entity-expansion
exploit costs its 1 s timeout). "import s" is what importing the candidate alone costs in the sandbox (one
job, no payload): for web handlers the framework's import, paid once per candidate. FastAPI routes are
driven through the ASGI app directly (attack/harness_asgi.py), not through Starlette's TestClient.
Target (issue 20): generic probes under 1 s per candidate on two cores.

    .venv/bin/python benchmarks/attack_speed.py [--rounds 3] [--out benchmarks/results/attack_speed.txt]
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from safegen.attack import attack
from safegen.attack.targets import RouteTarget, find_targets
from safegen.sandbox import Sandbox

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "attack" / "fixtures"
WEB = ("flask", "fastapi", "django")


def candidates() -> list[tuple[str, str, str, str]]:
    """(name, group, code, requirement) for every fixture file."""
    found = []
    for path in sorted(FIXTURES.glob("*/*.py")):
        code = path.read_text(encoding="utf-8")
        kind = "web" if any(f"from {w}" in code or f"import {w}" in code for w in WEB) else "function"
        found.append((f"{path.parent.name}/{path.stem}", f"{kind}, {path.stem}", code,
                      ast.get_docstring(ast.parse(code)) or ""))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", help="also write the figures to this file")
    args = parser.parse_args()
    lines = [f"safegen attack speed, {time.strftime('%Y-%m-%d %H:%M:%S')}",
             f"host: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
             f"{args.rounds} rounds, one sandbox worker for all; seconds per candidate, median of the rounds", ""]
    items = candidates()
    seconds: dict[str, list[float]] = {name: [] for name, *_ in items}
    imports: dict[str, list[float]] = {name: [] for name, *_ in items}
    executions: dict[str, int] = {}
    confirmed: dict[str, int] = {}
    sandbox = Sandbox()
    started = time.monotonic()
    sandbox.start()
    with sandbox:
        lines.append(f"sandbox start: {time.monotonic() - started:.2f} s (once)")
        for _ in range(args.rounds):
            for name, _group, code, requirement in items:
                began = time.monotonic()
                report = attack(code, requirement, sandbox=sandbox)
                seconds[name].append(time.monotonic() - began)
                executions[name] = report.executions
                confirmed[name] = len(report.exploits)
                if report.errors:
                    print(f"{name}: {report.errors}", file=sys.stderr)
                targets = find_targets(code)
                if targets:
                    entry = targets[0].function if isinstance(targets[0], RouteTarget) else targets[0].name
                    began = time.monotonic()
                    sandbox.import_error(code, entry)
                    imports[name].append(time.monotonic() - began)
    per = {name: statistics.median(values) for name, values in seconds.items()}
    imported = {name: statistics.median(values) if values else 0.0 for name, values in imports.items()}
    groups: dict[str, list[str]] = {}
    for name, group, *_ in items:
        groups.setdefault(group, []).append(name)
    lines.append("")
    lines.append(f"{'group':<22} {'candidates':>10} {'median s':>9} {'max s':>7} {'import s':>9} {'executions':>11}")
    for group in sorted(groups):
        names = groups[group]
        values = [per[n] for n in names]
        lines.append(f"{group:<22} {len(names):>10} {statistics.median(values):>9.2f} {max(values):>7.2f} "
                     f"{statistics.median(imported[n] for n in names):>9.2f} "
                     f"{sum(executions[n] for n in names) / len(names):>11.1f}")
    everything = list(per.values())
    lines.append(f"{'all':<22} {len(everything):>10} {statistics.median(everything):>9.2f} {max(everything):>7.2f} "
                 f"{statistics.median(imported.values()):>9.2f} {sum(executions.values()) / len(executions):>11.1f}")
    lines.append("")
    lines.append("per candidate (median s, import s, executions, exploits confirmed):")
    for name, *_ in items:
        lines.append(f"  {name:<36} {per[name]:6.2f} s {imported[name]:6.2f} s {executions[name]:4d} {confirmed[name]:3d}")
    fixed = [per[n] for n, group, *_ in items if group.endswith("fixed")]
    function_fixed = [per[n] for n, group, *_ in items if group == "function, fixed"]
    verdict = "met" if statistics.median(fixed) < 1.0 else "not met"
    lines.append("")
    lines.append(f"target < 1 s per candidate (generic probes, fixed code, median): {verdict} "
                 f"({statistics.median(fixed):.2f} s; plain functions {statistics.median(function_fixed):.2f} s, "
                 f"max {max(fixed):.2f} s)")
    web = [n for n, group, *_ in items if group.startswith("web")]
    lines.append(f"web handlers: the module's import (framework included) is {sum(imported[n] for n in web):.2f} s "
                 f"of their {sum(per[n] for n in web):.2f} s")
    lines.append(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
