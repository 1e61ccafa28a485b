"""safegen: generate Python code with an LLM, then harden it with analysis, fuzzing and repair."""

__version__ = "0.1.0"
