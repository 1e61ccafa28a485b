"""The job kinds the worker runs: one dispatch-table row each.

To add a kind: write ``run(module, item) -> JSON-ready value`` in its own module of this package
(standard library only; import heavy harness modules inside ``run`` and list them in ``preload``),
add a ``JobKind`` row to ``KINDS`` below, and call ``Sandbox.run_job("<kind>", code, items, ...)``
on the host. Each item runs in its own execution process; the value comes back under ``"data"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .fuzzing import run_atheris
from .runners import call_entry, run_doctests, run_script, run_tests
from .state import CONFIG


class JobKind(NamedTuple):
    """How the module and execution processes treat one kind of job.

    A NamedTuple, not a dataclass: importing dataclasses would make every fork of the worker heavier.
    """

    run: Callable[[Any, Any], Any]  # (module, item) in the execution process; module None without an import
    imports_target: bool = True  # False: there is no module; ``run`` gets the item (a script) alone
    needs_entry: bool = False  # importing fails unless the code defines a callable ``entry``
    preload: tuple[str, ...] = ()  # harness modules imported once per job, before the rlimits
    returns: str = "data"  # where the value goes in the result: "data", "return_repr" (its repr) or ""
    exit_ok: bool = False  # SystemExit(0) or SystemExit(None) counts as success


KINDS: dict[str, JobKind] = {
    "call": JobKind(lambda module, item: call_entry(module, CONFIG["entry"], item), needs_entry=True,
                    returns="return_repr"),
    "import": JobKind(lambda module, item: None, needs_entry=True),  # the import itself is the job
    "script": JobKind(lambda module, item: run_script(item), imports_target=False, returns="", exit_ok=True),
    "tests": JobKind(run_tests),
    "doctests": JobKind(run_doctests, preload=("doctest",)),
    "atheris": JobKind(run_atheris, preload=("atheris",)),
}
