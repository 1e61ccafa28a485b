"""Errors meant for the user: one base class, one subclass per boundary, each with a fix and an exit code.

Only the CLI turns these into messages and exit codes. Exit codes 0 and 1 are reserved for
"clean" and "findings/defects"; every error class below has its own code from 2 upwards.
"""

from __future__ import annotations


class SafegenError(Exception):
    """Base class. ``hint`` tells the user how to fix the problem."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(SafegenError):
    """Bad user input: empty requirement, unreadable file, bad option value."""

    exit_code = 2


class ConfigError(SafegenError):
    """Invalid configuration file or environment variable."""

    exit_code = 3


class BackendError(SafegenError):
    """The LLM backend failed: unreachable endpoint, timeout, server error."""

    exit_code = 4


class BackendAuthError(BackendError):
    """The endpoint rejected the API key."""

    exit_code = 5


class ModelError(SafegenError):
    """The model file or its parts are missing, corrupt, or cannot be loaded."""

    exit_code = 6


class ExtractionError(SafegenError):
    """The model's output holds no parsable Python code."""

    exit_code = 7


class AnalyzerError(SafegenError):
    """An analyzer could not run at all (missing tool, broken rules)."""

    exit_code = 8


class SandboxError(SafegenError):
    """The sandbox is unavailable or broke (bubblewrap missing, namespace creation refused)."""

    exit_code = 9


class DatasetError(SafegenError):
    """A dataset is missing, fails its hash check, or has unusable rows."""

    exit_code = 10
