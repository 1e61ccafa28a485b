"""Fuzzing agent: type-driven and LLM-seeded inputs, mutation, atheris, triage of defects."""

from safegen.fuzz.engine import IMPORT_ERROR, fuzz_function

__all__ = ["IMPORT_ERROR", "fuzz_function"]
