"""The sandbox as an extension point: what code that runs generated code may ask of one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from safegen.sandbox.result import ExecResult


class SandboxLike(Protocol):
    """A sandbox (``safegen.sandbox.Sandbox`` or a test double) as strategies, fuzzing and judges use it."""

    @property
    def isolated(self) -> bool:
        """False when code runs without isolation (--unsafe-no-sandbox)."""

    @property
    def atheris_available(self) -> bool:
        """Whether the ``atheris`` job kind can run."""

    def run_job(self, kind: str, code: str, items: Sequence[Any], *, timeout: float,
                entry: str | None = None, budget: float | None = None) -> list[dict[str, Any]]:
        """Run ``items`` of one job kind (see ``sandbox/worker/kinds.py``); raw result dicts, in order."""

    def call(self, code: str, entry_point: str, inputs: Sequence[tuple[tuple[Any, ...], dict[str, Any]]], *,
             timeout: float = 2.0) -> list[ExecResult]:
        """Call ``entry_point(*args, **kwargs)`` for each input, each in its own process."""

    def import_error(self, code: str, entry_point: str, *, timeout: float = 10.0) -> str | None:
        """Why ``code`` cannot be imported with a callable ``entry_point``, or None."""

    def run_script(self, code: str, *, timeout: float = 10.0) -> ExecResult:
        """Run ``code`` as ``__main__``."""


if TYPE_CHECKING:  # mypy checks that the real sandbox keeps fitting the protocol
    from safegen.sandbox.core import Sandbox

    def _fits(sandbox: Sandbox) -> SandboxLike:
        return sandbox
