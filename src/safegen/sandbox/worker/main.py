"""The worker's entry point: configuration, the audit hook, then one job after another from the host."""

from __future__ import annotations

import json
import os
import sys

from .job import run_job
from .oracle import Oracle, audit_hook
from .protocol import recv_job, send
from .state import CONFIG

# Imported once in the worker so that executions that import them lazily find them loaded. Kept to
# small modules: every fork copies the worker's page tables and every execution touches (copies) some of
# its pages, so a bigger worker makes every execution slower (hashlib, typing, dataclasses cost ~0.5 ms
# per execution here). The target's own module-level imports run once per job, not per execution.
PREIMPORT = ("math", "string", "collections", "functools", "itertools", "operator", "re", "json")


def _system_prefixes() -> tuple[str, ...]:
    """Where reads are the interpreter's own business, never the target's traversal."""
    prefixes = {"/usr/", "/lib/", "/lib64/", "/bin/", "/sbin/", "/proc/", "/sys/", "/dev/", "/etc/localtime",
                sys.prefix + "/", sys.base_prefix + "/", sys.exec_prefix + "/"}
    prefixes.update(p.rstrip("/") + "/" for p in CONFIG.get("extra_paths", ()))
    return tuple(sorted(prefixes))


def main() -> None:
    CONFIG.update(json.loads(sys.argv[1]))
    if CONFIG["sandboxed"] and os.getuid() == 0:
        sys.stderr.write("safegen sandbox worker refuses to run as root inside the sandbox\n")
        sys.exit(3)
    for path in CONFIG.get("extra_paths", ()):
        sys.path.append(path)
    sys.dont_write_bytecode = True
    proto_in, proto_out = os.dup(0), os.dup(1)
    CONFIG["proto_in"], CONFIG["proto_out"] = proto_in, proto_out
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    for name in PREIMPORT:
        try:
            __import__(name)
        except Exception:
            pass
    atheris_ok = False
    if CONFIG.get("want_atheris"):  # found, not imported: importing here would make every fork heavier
        import importlib.util

        atheris_ok = importlib.util.find_spec("atheris") is not None
    Oracle.system = _system_prefixes()
    sys.addaudithook(audit_hook)
    send(proto_out, {"type": "hello", "version": sys.version, "uid": os.getuid(), "pid": os.getpid(),
                     "atheris": atheris_ok})
    number = 0
    while True:
        job = recv_job(proto_in)
        if job is None:
            return
        number += 1
        try:
            run_job(job, number)
        except Exception as exc:  # a bug here must not leave the host waiting
            send(proto_out, {"type": "error", "message": f"{type(exc).__name__}: {exc}"})
        send(proto_out, {"type": "done"})
