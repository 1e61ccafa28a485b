"""The sandbox worker: standard library only, mounted read-only into the sandbox and run there.

Protocol: the host writes jobs (4-byte length + pickle) on stdin; the worker answers with messages
(4-byte length + JSON) on stdout. For each job the worker forks a *module process* that imports the
target code once; that process forks one short-lived *execution process* per input, with rlimits, an
audit-hook oracle and a wall-clock deadline. Untrusted code never runs in the worker itself.

Inside the sandbox this package is imported as ``safegen_worker`` (see ``sandbox/launcher.py``), so its
modules import each other relatively and nothing else of safegen.
"""
