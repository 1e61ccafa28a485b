"""Fuzzing agent: type-driven and LLM-seeded inputs, mutation, atheris, triage of defects."""

from safegen.fuzz.engine import fuzz_function

__all__ = ["fuzz_function"]
