"""Prompt and generation throughput: safegen's LocalBackend vs raw llama_cpp.Llama, plus KV prefix reuse.

For each task, on each path (alternating which goes first): a cold call (KV cache cleared) with a
long system prompt and the task, then a call that shares the system prompt but asks another task.
Figures come from llama.cpp's own perf counters (prompt eval / eval time) and wall clocks.

    .venv/bin/python benchmarks/llm_throughput.py [--model qwen2.5-coder-1.5b|PATH] [--threads N]

Run it alone on the machine (flock /tmp/team/llm.lock ...): llama.cpp slows down badly when its
threads compete with other busy processes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.backends.local import LocalBackend, available_threads
from safegen.backends.models import DEFAULT_MODEL, resolve_model

SYSTEM = (
    "You are a senior Python engineer who writes secure, correct and idiomatic code. Follow these rules:\n"
    "1. Validate every input that crosses a trust boundary: type, length, range and format.\n"
    "2. Never build shell commands, SQL queries, file paths or URLs by string concatenation with user "
    "input; use parameterized queries, argument lists without a shell, and path normalization with a "
    "check that the result stays inside the allowed directory.\n"
    "3. Never use eval, exec, pickle, marshal or yaml.load on untrusted data; use json or yaml.safe_load.\n"
    "4. Use the secrets module for tokens and passwords, hashlib.pbkdf2_hmac or scrypt with a random salt "
    "for password hashing, and constant-time comparison (hmac.compare_digest) for secrets.\n"
    "5. Set timeouts on every network call and verify TLS certificates; never disable verification.\n"
    "6. Open files with explicit encodings, close them with context managers, and create temporary "
    "files with tempfile.mkstemp or NamedTemporaryFile, never with predictable names.\n"
    "7. Do not log secrets or personal data; raise specific exceptions with clear messages.\n"
    "8. Prefer the standard library; keep functions small, typed and documented with a docstring.\n"
    "9. Handle errors explicitly: no bare except, no silently swallowed exceptions.\n"
    "10. Answer with exactly one Python code block containing the complete module and nothing else."
)

TASKS = (
    ("Write a function `read_user_file(base_dir: str, name: str) -> str` that returns the text of the file "
    "`name` inside `base_dir`, refusing names that escape the directory."),
    ("Write a function `find_user(conn, username: str)` that returns the row of the `users` table of an "
    "sqlite3 connection whose `name` column equals `username`, or None."),
    ("Write a function `hash_password(password: str) -> str` that returns a salted hash suitable for "
    "storing in a database, and `verify_password(password: str, stored: str) -> bool`."),
    ("Write a function `fetch_json(url: str) -> dict` that downloads a JSON document over HTTPS with a "
    "timeout and returns the parsed object."),
)


@dataclass(frozen=True)
class Sample:
    """One call's figures."""

    path: str
    kind: str  # "cold" or "shared"
    prompt_tokens: int
    prompt_ms: float
    gen_tokens: int
    gen_ms: float
    wall_s: float
    text: str

    @property
    def prompt_tps(self) -> float:
        return 1000.0 * self.prompt_tokens / self.prompt_ms if self.prompt_ms else 0.0

    @property
    def gen_tps(self) -> float:
        return 1000.0 * self.gen_tokens / self.gen_ms if self.gen_ms else 0.0


def _perf_reset(llama_cpp: Any, llm: Any) -> None:
    llama_cpp.llama_perf_context_reset(llm.ctx)


def _perf(llama_cpp: Any, llm: Any) -> tuple[int, float, int, float]:
    data = llama_cpp.llama_perf_context(llm.ctx)
    return int(data.n_p_eval), float(data.t_p_eval_ms), int(data.n_eval), float(data.t_eval_ms)


def _messages(task: str) -> list[ChatMessage]:
    return [ChatMessage("system", SYSTEM), ChatMessage("user", task)]


def _call_safegen(llama_cpp: Any, backend: LocalBackend, llm: Any, task: str, kind: str,
                  max_tokens: int) -> Sample:
    _perf_reset(llama_cpp, llm)
    start = time.perf_counter()
    [completion] = backend.complete(_messages(task), GenerationParams(max_tokens=max_tokens, temperature=0.0,
                                                                      seed=0))
    wall = time.perf_counter() - start
    n_p, t_p, n_g, t_g = _perf(llama_cpp, llm)
    return Sample("safegen", kind, n_p, t_p, n_g, t_g, wall, completion.text)


def _call_raw(llama_cpp: Any, llm: Any, task: str, kind: str, max_tokens: int) -> Sample:
    _perf_reset(llama_cpp, llm)
    start = time.perf_counter()
    response = llm.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in _messages(task)],
        max_tokens=max_tokens, temperature=0.0, seed=0)
    wall = time.perf_counter() - start
    n_p, t_p, n_g, t_g = _perf(llama_cpp, llm)
    return Sample("raw", kind, n_p, t_p, n_g, t_g, wall, response["choices"][0]["message"]["content"] or "")


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="known model name or GGUF path")
    parser.add_argument("--threads", type=int, default=None, help="default: the cores available")
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--tasks", type=int, default=3, help=f"cold/shared pairs per path (max {len(TASKS) - 1})")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "llm_throughput.txt")
    args = parser.parse_args(argv)

    progress.set_quiet(True)
    threads = args.threads or available_threads()
    path = resolve_model(args.model)
    load_before = _load_average()
    backend = LocalBackend(path, n_ctx=args.ctx, threads=threads)
    t0 = time.perf_counter()
    safegen_llm = backend.load()  # imports llama_cpp the way safegen does (OpenMP wait policy included)
    load_safegen = time.perf_counter() - t0
    import llama_cpp
    t0 = time.perf_counter()
    raw_llm = llama_cpp.Llama(model_path=str(path), n_ctx=args.ctx, n_threads=threads, n_threads_batch=threads,
                              verbose=False)
    load_raw = time.perf_counter() - t0

    samples: list[Sample] = []
    n_tasks = max(1, min(args.tasks, len(TASKS) - 1))
    for i in range(n_tasks):
        order = ("safegen", "raw") if i % 2 == 0 else ("raw", "safegen")
        for which in order:
            for kind, task in (("cold", TASKS[i]), ("shared", TASKS[i + 1])):
                if which == "safegen":
                    if kind == "cold":
                        safegen_llm.reset()
                    sample = _call_safegen(llama_cpp, backend, safegen_llm, task, kind, args.max_tokens)
                else:
                    if kind == "cold":
                        raw_llm.reset()
                    sample = _call_raw(llama_cpp, raw_llm, task, kind, args.max_tokens)
                samples.append(sample)
                print(f"  task {i} {which:7s} {kind:6s} prompt {sample.prompt_tokens:4d} tok "
                      f"{sample.prompt_ms / 1000:6.2f}s  gen {sample.gen_tokens:3d} tok {sample.gen_ms / 1000:6.2f}s  "
                      f"wall {sample.wall_s:6.2f}s", file=sys.stderr, flush=True)
    load_after = _load_average()

    def pick(path_name: str, kind: str) -> list[Sample]:
        return [s for s in samples if s.path == path_name and s.kind == kind]

    lines = [
        f"# safegen LLM throughput — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        (f"model: {path.name}; llama-cpp-python {llama_cpp.__version__}; threads {threads}; n_ctx {args.ctx}; "
        f"max_tokens {args.max_tokens}; greedy"),
        (f"cpu: {_cpu_model()}; load average before {load_before}, after {load_after}; "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')} (one process: applies to both paths)"),
        f"load time: safegen {load_safegen:.2f}s, raw {load_raw:.2f}s",
        f"{n_tasks} tasks; system prompt shared by the cold call and the following 'shared' call",
        "",
        (f"{'path':8s} {'call':7s} {'prompt tok':>10s} {'prompt tok/s':>12s} {'gen tok':>8s} {'gen tok/s':>9s} "
        f"{'prompt s':>9s} {'wall s':>7s}"),
    ]
    for path_name in ("safegen", "raw"):
        for kind in ("cold", "shared"):
            group = pick(path_name, kind)
            lines.append(
                f"{path_name:8s} {kind:7s} {_mean([s.prompt_tokens for s in group]):10.1f} "
                f"{_mean([s.prompt_tps for s in group]):12.1f} {_mean([s.gen_tokens for s in group]):8.1f} "
                f"{_mean([s.gen_tps for s in group]):9.2f} {_mean([s.prompt_ms / 1000 for s in group]):9.3f} "
                f"{_mean([s.wall_s for s in group]):7.2f}")
    cold_s, cold_r = pick("safegen", "cold"), pick("raw", "cold")
    shared_s, shared_r = pick("safegen", "shared"), pick("raw", "shared")
    all_s, all_r = pick("safegen", "cold") + shared_s, cold_r + shared_r
    prompt_ratio = _mean([s.prompt_tps for s in cold_s]) / max(_mean([s.prompt_tps for s in cold_r]), 1e-9)
    gen_ratio = _mean([s.gen_tps for s in all_s]) / max(_mean([s.gen_tps for s in all_r]), 1e-9)
    tokens_s = sum(s.prompt_tokens + s.gen_tokens for s in all_s)
    tokens_r = sum(s.prompt_tokens + s.gen_tokens for s in all_r)
    wall_ratio = (sum(s.wall_s for s in all_s) / max(tokens_s, 1)) / max(
        sum(s.wall_s for s in all_r) / max(tokens_r, 1), 1e-9)
    speedup_s = _mean([s.prompt_ms for s in cold_s]) / max(_mean([s.prompt_ms for s in shared_s]), 1e-9)
    speedup_r = _mean([s.prompt_ms for s in cold_r]) / max(_mean([s.prompt_ms for s in shared_r]), 1e-9)
    same_text = sum(a.text == b.text for a, b in zip(all_s, all_r))
    lines += [
        "",
        f"safegen / raw, prompt tok/s (cold):        {prompt_ratio:6.3f}  (target >= 0.95)",
        f"safegen / raw, generation tok/s:           {gen_ratio:6.3f}  (target >= 0.95)",
        f"raw / safegen, wall seconds per token:     {1 / wall_ratio if wall_ratio else 0:6.3f}  (target >= 0.95)",
        f"shared-prefix prompt processing speedup:   safegen {speedup_s:5.1f}x, raw {speedup_r:5.1f}x  (target >= 2x)",
        f"identical greedy outputs safegen vs raw:   {same_text}/{len(all_s)}",
    ]
    busy = float(load_before.split()[0]) if load_before != "n/a" else 0.0  # before our own threads ran
    if busy > 0.5 * available_threads():
        lines.append(f"WARNING: the machine was busy (1-min load {busy:.1f} on {threads} threads): llama.cpp slows "
                     "down several-fold when its threads compete, so absolute tok/s are depressed; the "
                     "safegen/raw ratios (interleaved calls) are the meaningful figures.")
    report = "\n".join(lines) + "\n"
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
