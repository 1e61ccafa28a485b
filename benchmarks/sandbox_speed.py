"""How much one execution costs: forked worker in bubblewrap vs one bubblewrap launch per run vs a plain subprocess.

Run: .venv/bin/python benchmarks/sandbox_speed.py [--executions 150] [--launches 40]
Targets (issue 4): <= 5 ms per execution in the worker; 150 executions of a small function <= 2 s
including the sandbox start. Figures are wall-clock medians of several rounds (plus one CPU-time
figure); the load average is printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from safegen.sandbox import Limits, Sandbox
from safegen.sandbox.launcher import interpreter, sandbox_command

CODE = "def add(x, y=1):\n    return x + y\n"
SCRIPT = CODE + "print(add(41))\n"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker_cpu_round(executions: int) -> float:
    """CPU ms per execution, all processes (host excluded), for the worker without bubblewrap.

    Less sensitive to a busy machine than wall time. Measurable only there: bubblewrap's init does not
    pass its children's CPU time up to us.
    """
    before = _children_cpu()
    Sandbox(unsafe_no_sandbox=True).__enter__().close()
    idle = _children_cpu() - before
    before = _children_cpu()
    with Sandbox(unsafe_no_sandbox=True) as sandbox:
        sandbox.call(CODE, "add", [((i,), {}) for i in range(executions)])
    return (_children_cpu() - before - idle) * 1000 / executions


def worker_round(executions: int, unsafe: bool) -> tuple[float, float, float]:
    """(start seconds, ms per execution after start, total seconds incl. start) for one fresh sandbox."""
    started = time.perf_counter()
    sandbox = Sandbox(unsafe_no_sandbox=unsafe)
    sandbox.start()
    ready = time.perf_counter()
    results = sandbox.call(CODE, "add", [((i,), {}) for i in range(executions)])
    done = time.perf_counter()
    sandbox.close()
    assert all(r.ok for r in results), [r for r in results if not r.ok][:1]
    return ready - started, (done - ready) * 1000 / executions, done - started


def launch_round(argv: list[str], launches: int) -> float:
    """ms per execution when every execution starts its own process."""
    started = time.perf_counter()
    for _ in range(launches):
        out = subprocess.run(argv, capture_output=True, text=True, env={}, check=True).stdout
        assert out.strip() == "42", out
    return (time.perf_counter() - started) * 1000 / launches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--executions", type=int, default=150)
    parser.add_argument("--launches", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    python, _ = interpreter()
    bwrap_argv = list(sandbox_command(Limits()).argv)
    dash_c = bwrap_argv.index("-c")
    bwrap_argv = bwrap_argv[:dash_c + 1] + [SCRIPT]  # the same bwrap + setpriv + python, one script
    plain_argv = [python, "-I", "-S", "-c", SCRIPT]

    load = os.getloadavg()
    print(f"safegen sandbox speed, {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(f"host: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{args.rounds} rounds; median (min-max)\n")

    rows: list[tuple[str, list[float], str]] = []
    for unsafe, label in ((False, "forked worker in bubblewrap"), (True, "forked worker, no sandbox (unsafe)")):
        rounds = [worker_round(args.executions, unsafe) for _ in range(args.rounds)]
        rows.append((f"{label}: ms/execution", [r[1] for r in rounds], "ms"))
        rows.append((f"{label}: start", [r[0] * 1000 for r in rounds], "ms"))
        rows.append((f"{label}: {args.executions} executions incl. start", [r[2] for r in rounds], "s"))
    rows.append(("forked worker, no sandbox (unsafe): CPU ms/execution, all processes",
                 [worker_cpu_round(args.executions) for _ in range(args.rounds)], "ms"))
    rows.append(("one bubblewrap launch per execution: ms/execution",
                 [launch_round(bwrap_argv, args.launches) for _ in range(args.rounds)], "ms"))
    rows.append(("plain subprocess per execution: ms/execution",
                 [launch_round(plain_argv, args.launches) for _ in range(args.rounds)], "ms"))

    width = max(len(name) for name, _, _ in rows)
    for name, values, unit in rows:
        print(f"{name:<{width}}  {statistics.median(values):8.2f} {unit}  "
              f"({min(values):.2f}-{max(values):.2f})")
    worker_ms = statistics.median(rows[0][1])
    total_s = statistics.median(rows[2][1])
    print(f"\ntarget <= 5 ms/execution in the worker: {'met' if worker_ms <= 5 else 'NOT met'} ({worker_ms:.2f} ms)")
    print(f"target <= 2 s for {args.executions} executions incl. start: "
          f"{'met' if total_s <= 2 else 'NOT met'} ({total_s:.2f} s)")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
