"""The flags of the execution-grounded checks (strategies/verification.py), shared by every strategy's options."""

from __future__ import annotations

from dataclasses import dataclass

from safegen.serde import Record


@dataclass(frozen=True)
class VerifyOptions(Record):
    """Which execution-grounded checks a run uses (all off: the strategy as published)."""

    attacks: bool = False  # probe every candidate in the sandbox (safegen.attack); confirmed exploits are repaired
    attack_agent: bool = False  # the model proposes task-specific exploit inputs too
    derived_tests: bool = False  # the model derives tests from the requirement; the candidates vote on them
    rule_fixes: bool = False  # mechanical fixes of findings the model's repairs left (safegen.fixes)
    evidence_first: bool = False  # rank by executed evidence before the static verdict
    completion: bool = False  # code that cannot run as written ranks last and gets a repair (completeness.py)
    host_lists: bool = False  # a URL compared whole with a list of host names compares its host (url_hosts.py)
    more_tests: bool = False  # derived tests asked again (sampled, up to 3 times) while fewer than 3 are kept
    most_tests: bool = False  # among answers failing no trusted derived test, the one passing most derived tests first
    legitimate_callers: bool = False  # an answer refusing the admin, owner or genuine signature is repaired (legitimate.py)
    legitimate_rank: bool = False  # such an answer only ranks below the others (no repair, no fresh answers)


OFF = VerifyOptions()
