"""The Python API in three calls, each building its tools, running once and closing them again.

    import safegen

    record = safegen.generate("Write a function save_upload(filename: str, data: bytes) -> str ...")
    print(record.final.code, record.final.verdict.status)
    verdict = safegen.scan(open("app.py").read())
    report = safegen.fuzz(code, "parse_header")

Keyword arguments are settings (``strategy="autosafecoder"``, ``backend="openai"``, ``base_url=...``,
``model=...``, ``max_rounds=2``); they override ``[tool.safegen]``, ``safegen.toml`` and ``SAFEGEN_*`` as
command-line flags do. For many tasks keep the tools: ``with safegen.Session(settings) as s: s.run(task)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from safegen.backends.interface import LLMBackend
from safegen.config import load_settings
from safegen.errors import InputError
from safegen.session import Session
from safegen.types import FuzzReport, RunRecord, Task, Verdict


def generate(requirement: str, *, entry_point: str | None = None, tests: str | None = None, context: str = "",
             backend: LLMBackend | None = None, **overrides: Any) -> RunRecord:
    """Generate and harden code for ``requirement`` (text, or a Python prompt with a signature and docstring).

    ``tests``: Python source with asserts the code must pass; ``context``: code the module already starts with
    (imports, constants, helpers), shown to the model and run before the code; ``backend``: an LLM backend
    object to use instead of the one the settings name. The record's ``final`` is the chosen candidate (None when the
    model gave no usable code), ``final.verdict`` the in-loop analyzers' verdict on it.
    """
    config = load_settings(overrides)
    task = make_task(requirement, entry_point=entry_point, tests=tests, context=context)
    with Session(config, backend=backend) as session:
        return session.run(task, config.strategy)


def make_task(requirement: str, *, entry_point: str | None = None, tests: str | None = None,
              tests_name: str = "tests", task_id: str = "api", context: str = "") -> Task:
    """A checked Task: the entry point given or found in a Python prompt, ``tests`` valid Python if given, and
    ``context`` (valid Python the module starts with) added to the requirement unless it already holds it."""
    from safegen.prompts.extract import find_entry_point

    if not requirement.strip():
        raise InputError("the requirement is empty", hint="describe the function to write")
    if tests is not None and not tests.strip():
        raise InputError(f"the {tests_name} are empty", hint="add tests or leave them out")
    if tests is not None:
        try:
            compile(tests, tests_name, "exec")
        except SyntaxError as exc:
            raise InputError(f"the {tests_name} are not valid Python: line {exc.lineno}: {exc.msg}",
                             hint="fix the tests") from None
    if context.strip():
        try:
            compile(context, "context", "exec")
        except SyntaxError as exc:
            raise InputError(f"the context code is not valid Python: line {exc.lineno}: {exc.msg}",
                             hint="pass the code the module starts with (imports, constants, helpers)") from None
        if context.strip() not in requirement:
            requirement = (f"{requirement.rstrip()}\n\nThe module already starts with this code, which the function "
                           f"may use:\n```python\n{context.strip()}\n```\n")
    return Task(task_id=task_id, requirement=requirement, entry_point=entry_point or find_entry_point(requirement),
                tests=tests, context=context.strip())


def scan(code: str, *, path: str = "code.py", **overrides: Any) -> Verdict:
    """The analyzer ensemble's verdict on one piece of code (status, findings with CWE, analyzer errors)."""
    from safegen.analyzers.ensemble import Ensemble

    with Ensemble.default(load_settings(overrides)) as ensemble:
        return ensemble.check(code, path=path)


def fuzz(code: str, function: str, *, seeds: Sequence[Any] = (), requirement: str = "",
         **overrides: Any) -> FuzzReport:
    """Fuzz ``function`` of ``code`` inside the sandbox; ``seeds`` are argument lists tried first."""
    from safegen.fuzz import fuzz_function
    from safegen.sandbox import Sandbox

    config = load_settings(overrides)
    sandbox = Sandbox.create(config)
    try:
        return fuzz_function(sandbox, code, function, seeds=list(seeds), iterations=config.fuzz_iterations,
                             seconds=config.fuzz_seconds, requirement=requirement, rng_seed=config.seed,
                             cache_dir=config.cache_dir)
    finally:
        sandbox.close()
