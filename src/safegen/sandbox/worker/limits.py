"""Resource limits: the module process's (per job) and each execution process's CPU time."""

from __future__ import annotations

import math
import resource
import signal


def _set(limit: int, value: int) -> None:
    try:
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):  # the hard limit is already lower: lower the soft one only
        hard = resource.getrlimit(limit)[1]
        resource.setrlimit(limit, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def apply_module_limits(limits: dict[str, int], cpu_total: int) -> None:
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_AS, limits["memory_bytes"])
    _set(resource.RLIMIT_FSIZE, limits["file_bytes"])
    _set(resource.RLIMIT_NOFILE, limits["open_files"])
    _set(resource.RLIMIT_NPROC, limits["processes"])
    _set(resource.RLIMIT_CPU, cpu_total)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises EFBIG instead of killing


def apply_execution_cpu(timeout: float) -> None:
    """CPU seconds for one execution: the timeout rounded up, plus one (the wall-clock deadline rules)."""
    cpu = math.ceil(timeout) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (ValueError, OSError):
        pass
