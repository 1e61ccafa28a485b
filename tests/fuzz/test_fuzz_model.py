"""Seed inputs from the real small model (Qwen2.5-Coder-0.5B), parsed and used by the fuzzer.

Run with the LLM lock held: ``flock /tmp/team/llm.lock .venv/bin/pytest -m model tests/fuzz``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from safegen.config import Settings
from safegen.errors import ModelError
from safegen.fuzz import fuzz_function
from safegen.fuzz.seeds import propose_seeds
from safegen.sandbox import Sandbox

pytestmark = [pytest.mark.model,
              pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python missing")]

CODE = '''
import os
def read_upload(filename: str, max_bytes: int) -> bytes:
    """Return at most max_bytes of an uploaded file from the uploads directory."""
    path = os.path.join("uploads", filename)
    with open(path, "rb") as handle:
        return handle.read(max_bytes)
'''


def test_model_seeds_have_the_right_shape_and_feed_the_fuzzer() -> None:
    from safegen.backends.local import LocalBackend

    try:
        backend = LocalBackend.from_settings(Settings(model="qwen2.5-coder-0.5b", context_size=2048))
    except ModelError as exc:
        pytest.fail(f"the small model is not installed: {exc}")
    try:
        seeds = propose_seeds(backend, "Read an uploaded file by name, at most max_bytes bytes.", CODE,
                              "read_upload", n=6)
    finally:
        backend.close()
    assert 1 <= len(seeds) <= 6, seeds
    assert all(isinstance(s, list) and len(s) == 2 for s in seeds)
    if shutil.which("bwrap") is None and not os.access("/usr/bin/bwrap", os.X_OK):
        pytest.skip("bubblewrap is not installed")
    with Sandbox.create() as sandbox:
        # a budget the 60 iterations exhaust before the clock does, however loaded the machine
        report = fuzz_function(sandbox, CODE, "read_upload", seeds=seeds, iterations=60, seconds=120)
    assert "seeds" in report.engines and report.executions >= 60
    assert "read_outside" in {d.kind for d in report.defects}  # "../" payloads escape uploads/
