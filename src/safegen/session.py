"""A Session builds the shared tools once (backend, analyzer ensemble, sandbox, scorer) and runs strategies.

    with Session(settings) as session:
        record = session.run(Task("t1", "Write a function ..."), "safegen")

Tools are created lazily, on the first run that needs them, and reused for every later task.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from safegen import progress
from safegen.backends.interface import LLMBackend
from safegen.config import Settings
from safegen.errors import InputError, SafegenError, SandboxError
from safegen.prompts.extract import is_python_prompt
from safegen.registry import STRATEGIES
from safegen.strategies.interface import Strategy, StrategyContext
from safegen.types import RunRecord, Task

_UNSET: Any = object()


def make_strategy(name: str, options: dict[str, Any] | None = None) -> Strategy:
    """Instantiate the strategy registered under ``name`` with its flags (InputError for an unknown name or flag)."""
    try:
        strategy: Strategy = STRATEGIES.get(name)(**(options or {}))
    except TypeError as exc:
        raise InputError(f"strategy {name!r} does not take the options {options}: {exc}",
                         hint="see the strategy's flags in `safegen strategies`") from None
    return strategy


class Session:
    """Shared tools for many runs; a context manager that closes what it created."""

    def __init__(self, settings: Settings, *, backend: LLMBackend | None = None, analyzer: Any = None,
                 sandbox: Any = None, scorer: Any = _UNSET) -> None:
        self.settings = settings
        self._backend = backend
        self._analyzer = analyzer
        self._sandbox = sandbox
        self._scorer = scorer
        self._owned: list[Any] = []
        self._sandbox_failed: str | None = None

    # --- tools ------------------------------------------------------------------------------
    @property
    def backend(self) -> LLMBackend:
        if self._backend is None:
            from safegen.backends import create_backend

            self._backend = create_backend(self.settings)
            self._owned.append(self._backend)
        return self._backend

    @property
    def analyzer(self) -> Any:
        if self._analyzer is None:
            from safegen.analyzers.ensemble import Ensemble

            self._analyzer = Ensemble.default(self.settings)
        return self._analyzer

    @property
    def sandbox(self) -> Any:
        """The sandbox, started on first use. Raises SandboxError when it cannot start."""
        if self._sandbox is None:
            if self._sandbox_failed:
                raise SandboxError(self._sandbox_failed)
            from safegen.sandbox import Sandbox

            try:
                sandbox = Sandbox.create(self.settings)
                sandbox.__enter__()
            except SandboxError as exc:
                self._sandbox_failed = str(exc)
                raise
            self._sandbox = sandbox
            self._owned.append(sandbox)
        return self._sandbox

    @property
    def scorer(self) -> Any:
        """The installed learned scorer or None; loaded once."""
        if self._scorer is _UNSET:
            try:
                from safegen.scorer import load_default_scorer
            except ImportError:
                self._scorer = None
            else:
                self._scorer = load_default_scorer()
        return self._scorer

    def context(self, *, sandbox: bool = True, scorer: bool = True) -> StrategyContext:
        """A StrategyContext with every tool (or without sandbox/scorer when they are not wanted)."""
        return StrategyContext(backend=self.backend, settings=self.settings, analyzer=self.analyzer,
                               sandbox=self.sandbox if sandbox else None,
                               scorer=self.scorer if scorer else None)

    # --- runs -------------------------------------------------------------------------------
    def run(self, task: Task, strategy_name: str | Strategy | None = None) -> RunRecord:
        """Run one strategy (a registered name or an instance, e.g. with ablation flags) on one task.

        Strategies that do not need the sandbox still get it when the task has visible tests or doctests.
        """
        strategy = (strategy_name if isinstance(strategy_name, Strategy)
                    else make_strategy(strategy_name or self.settings.strategy))
        wants_sandbox = strategy.needs_sandbox or bool(task.tests) or is_python_prompt(task.requirement)
        sandbox = None
        if wants_sandbox:
            try:
                sandbox = self.sandbox
            except SandboxError as exc:
                if strategy.needs_sandbox or task.tests:
                    raise
                progress.note(f"sandbox unavailable, doctests will not run: {exc}")
        ctx = StrategyContext(backend=self.backend, settings=self.settings, analyzer=self.analyzer,
                              sandbox=sandbox,
                              scorer=self.scorer if getattr(strategy, "uses_scorer", False) else None)
        return strategy.run(task, ctx)

    def close(self) -> None:
        """Close the tools this session created (not those passed in)."""
        while self._owned:
            tool = self._owned.pop()
            try:
                if hasattr(tool, "__exit__") and tool is self._sandbox:
                    tool.__exit__(None, None, None)
                elif hasattr(tool, "close"):
                    tool.close()
            except SafegenError as exc:
                progress.note(f"closing {type(tool).__name__} failed: {exc}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
