"""Run generated code in bubblewrap: no network, read-only system, private tmpfs, unprivileged uid, rlimits."""

from safegen.sandbox.core import Sandbox
from safegen.sandbox.interface import SandboxLike
from safegen.sandbox.limits import Limits
from safegen.sandbox.result import ExecResult, OracleEvent
from safegen.sandbox.worker.oracle import ORACLE_KINDS

__all__ = ["ORACLE_KINDS", "ExecResult", "Limits", "OracleEvent", "Sandbox", "SandboxLike"]
