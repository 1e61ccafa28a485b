"""Resource limits applied to every process that runs generated code."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Per-execution rlimits and sizes. CPU seconds derive from each call's timeout (ceil + 1)."""

    memory_bytes: int = 1 << 30  # RLIMIT_AS
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE: largest file one process may write
    disk_bytes: int = 64 << 20  # size of the private tmpfs working directory
    processes: int = 64  # RLIMIT_NPROC for the sandbox's own uid (threads count too)
    open_files: int = 256  # RLIMIT_NOFILE
    output_bytes: int = 8192  # stdout/stderr kept per execution

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
