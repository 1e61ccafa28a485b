"""Execution-grounded verification: functional tests derived from the requirement, trusted by agreement.

``derive_tests`` asks the model for tests, ``agreement`` runs them on the candidates in the sandbox and
keeps those the candidates' behaviour agrees with, ``check`` runs the trusted ones on a repair, and
``newly_fails`` is the rule that rejects a repair which loses a trusted test its parent passed.
"""

from safegen.verify.agreement import agreement, check, newly_fails
from safegen.verify.derive import DeriveParams, derive_tests
from safegen.verify.records import (
           DerivedResult,
           DerivedTest,
           DerivedTests,
           TestRun,
           TestVote,
           TrustedTests,
)

__all__ = ["DeriveParams", "DerivedResult", "DerivedTest", "DerivedTests", "TestRun", "TestVote", "TrustedTests",
           "agreement", "check", "derive_tests", "newly_fails"]
