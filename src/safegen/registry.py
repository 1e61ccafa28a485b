"""Every extension point of safegen, declared in one place.

Built-ins are named by "module:attribute" strings so that heavy dependencies load only when used.
Third parties add entries through Python entry points in the groups ``safegen.<kind>``
(for example ``safegen.backends``), or at run time with ``REGISTRY.register(name, obj)``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from safegen.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> factory (class or function), resolved lazily."""

    def __init__(self, kind: str, builtins: dict[str, str]) -> None:
        self.kind = kind
        self._targets: dict[str, str | T] = dict(builtins)
        self._plugins_loaded = False

    def register(self, name: str, target: T | str) -> None:
        self._targets[name] = target

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=f"safegen.{self.kind}s"):
            self._targets.setdefault(ep.name, ep.value)

    def names(self) -> list[str]:
        self._load_plugins()
        return list(self._targets)

    def get(self, name: str) -> T:
        self._load_plugins()
        if name not in self._targets:
            raise InputError(f"unknown {self.kind} {name!r}",
                             hint=f"choose one of: {', '.join(self.names())}")
        target = self._targets[name]
        if isinstance(target, str):
            module_name, _, attr = target.partition(":")
            resolved: Any = getattr(importlib.import_module(module_name), attr)
            self._targets[name] = resolved
            return resolved  # type: ignore[no-any-return]
        return target


# LLM backends: classes implementing safegen.backends.interface.LLMBackend.
BACKENDS: Registry[Any] = Registry("backend", {
    "local": "safegen.backends.local:LocalBackend",
    "openai": "safegen.backends.openai_compat:OpenAICompatBackend",
    "fake": "safegen.backends.fake:FakeBackend",
})

# Static analyzers: classes implementing safegen.analyzers.interface.Analyzer.
ANALYZERS: Registry[Any] = Registry("analyzer", {
    "bandit": "safegen.analyzers.bandit:BanditAnalyzer",
    "semgrep": "safegen.analyzers.semgrep:SemgrepAnalyzer",
    "ruff": "safegen.analyzers.ruff:RuffAnalyzer",
})

# Generation strategies: classes implementing safegen.strategies.interface.Strategy.
STRATEGIES: Registry[Any] = Registry("strategy", {
    "baseline": "safegen.strategies.baseline:BaselineStrategy",
    "prompted": "safegen.strategies.prompted:PromptedStrategy",
    "franc": "safegen.strategies.franc:FrancStrategy",
    "autosafecoder": "safegen.strategies.autosafecoder:AutoSafeCoderStrategy",
    "securecoder": "safegen.strategies.securecoder:SecureCoderStrategy",
    "hexacoder": "safegen.strategies.hexacoder:HexaCoderStrategy",
    "safegen": "safegen.strategies.safegen:SafegenStrategy",
    "safegen-static": "safegen.strategies.safegen_static:SafegenStaticStrategy",
    "verified": "safegen.strategies.verified:VerifiedStrategy",
})

# Benchmark datasets: classes implementing safegen.bench.datasets.Dataset.
DATASETS: Registry[Any] = Registry("dataset", {
    "securityeval": "safegen.bench.datasets.builtin:SecurityEval",
    "llmseceval": "safegen.bench.datasets.builtin:LLMSecEval",
    "humaneval": "safegen.bench.datasets.builtin:HumanEval",
    "cyberseceval-instruct": "safegen.bench.datasets.builtin:CyberSecEvalInstruct",
    "cyberseceval-autocomplete": "safegen.bench.datasets.builtin:CyberSecEvalAutocomplete",
    "seccodeplt": "safegen.bench.datasets.seccodeplt:SecCodePLT",
    "seccodeplt-policy": "safegen.bench.datasets.seccodeplt:SecCodePLTPolicy",
})

# Benchmark judges: classes implementing safegen.bench.judges.interface.Judge.
JUDGES: Registry[Any] = Registry("judge", {
    "bandit": "safegen.bench.judges.bandit_judge:BanditJudge",
    "icd": "safegen.bench.judges.icd_judge:ICDJudge",
    "inloop": "safegen.bench.judges.inloop_judge:InLoopJudge",
    "functional": "safegen.bench.judges.functional:FunctionalJudge",
    "seccodeplt": "safegen.bench.judges.seccodeplt_judge:SecCodePLTJudge",
})
