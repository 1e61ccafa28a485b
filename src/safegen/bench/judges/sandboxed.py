"""The base of judges that run code in safegen's sandbox: one sandbox per judge, started on first use."""

from __future__ import annotations

from typing import Any, Self

from safegen.bench.judges.interface import Judge
from safegen.config import Settings


class SandboxedJudge(Judge):
    """Holds a sandbox (given, or started on first use and closed by ``close``) and a timeout per execution."""

    default_timeout = 10.0

    def __init__(self, settings: Settings | None = None, sandbox: Any = None, timeout: float | None = None) -> None:
        self.settings = settings or Settings()
        self.timeout = self.default_timeout if timeout is None else timeout
        self._sandbox = sandbox
        self._owned = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings)

    @property
    def sandbox(self) -> Any:
        if self._sandbox is None:
            from safegen.sandbox import Sandbox

            self._sandbox, self._owned = Sandbox.create(self.settings), True
        return self._sandbox

    def close(self) -> None:
        if self._owned and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox, self._owned = None, False
