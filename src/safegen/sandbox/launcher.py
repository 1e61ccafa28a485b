"""The bubblewrap command line that starts the worker: what the sandbox can see and who it runs as."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from safegen.errors import SandboxError
from safegen.sandbox.limits import Limits

SANDBOX_ROOT = "/work"  # the private tmpfs inside the sandbox
EXTRA_SITE = "/opt/safegen/site"  # where optional fuzzing packages (atheris) are mounted read-only
ENV_SITE = "/opt/safegen/env"  # where the environment's site-packages are mounted read-only (0, 1, ...)
SETPRIV = "/usr/bin/setpriv"
_UID_BASE = 1_500_000_000
_counter = itertools.count()


@dataclass(frozen=True)
class WorkerCommand:
    """How to start one worker process."""

    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: str
    sandboxed: bool
    uid: int | None


WORKER_NAME = "safegen_worker"  # the worker package's name inside the sandbox
WORKER_HOME = "/opt/safegen/worker"  # holds the worker package, mounted read-only
# The worker package is imported from the folder named by the second argument (the first is the config).
BOOTSTRAP = f"import sys\nsys.path.insert(0, sys.argv[2])\nfrom {WORKER_NAME}.main import main\nmain()\n"


def worker_package() -> str:
    """The worker package's folder (standard library only; shipped into the sandbox read-only)."""
    return str(Path(__file__).with_name("worker"))


def find_bwrap() -> str:
    """The bubblewrap binary, or a SandboxError that names the package to install."""
    path = shutil.which("bwrap") or ("/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None)
    if path is None:
        raise SandboxError("bubblewrap (bwrap) is not installed; generated code runs only inside it",
                           hint="install the Debian/Ubuntu package `bubblewrap` (apt-get install bubblewrap), "
                                "or pass --unsafe-no-sandbox inside a disposable container")
    return path


@functools.lru_cache(maxsize=4)
def bwrap_version(bwrap: str) -> tuple[int, ...]:
    """bubblewrap's version, (0,) if it cannot be read."""
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
        return tuple(int(part) for part in out.split()[-1].split("."))
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return (0,)


def interpreter() -> tuple[str, str]:
    """The real interpreter binary and its installation prefix (sys.base_prefix)."""
    prefix = os.path.realpath(sys.base_prefix)
    executable = os.path.realpath(sys.executable)
    if not executable.startswith(prefix + os.sep):
        name = f"python{sys.version_info.major}.{sys.version_info.minor}"
        executable = os.path.join(prefix, "bin", name)
    if not os.access(executable, os.X_OK):
        raise SandboxError(f"cannot find the Python interpreter under {prefix}",
                           hint="run safegen with a regular CPython installation")
    return executable, prefix


def atheris_dir() -> str | None:
    """The installed atheris package directory, if any (mounted read-only, alone, into the sandbox)."""
    spec = importlib.util.find_spec("atheris")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def site_dirs() -> list[str]:
    """The running environment's package folders outside the interpreter's prefix (a venv's site-packages).

    They are mounted read-only so generated code can import what is installed next to safegen
    (PyYAML, requests, ...); with ``-S`` the worker would not find them otherwise.
    """
    prefix = os.path.realpath(sys.base_prefix)
    found: list[str] = []
    for key in ("purelib", "platlib"):
        path = os.path.realpath(sysconfig.get_paths()[key])
        if os.path.isdir(path) and not path.startswith(prefix + os.sep) and path not in found:
            found.append(path)
    return found


def next_uid() -> int:
    """A uid used only by this sandbox: RLIMIT_NPROC counts per uid, so sandboxes must not share one."""
    return _UID_BASE + (os.getpid() * 64 + next(_counter)) % 500_000_000


def _config(limits: Limits, sandboxed: bool, root: str, extra_paths: list[str], want_atheris: bool) -> str:
    return json.dumps({"limits": limits.as_dict(), "sandboxed": sandboxed, "root": root,
                       "extra_paths": extra_paths, "want_atheris": want_atheris})


# The sandbox's /etc/passwd: a decoy, never the host's. Code that checks a path before reading it (Flask's
# send_file, Starlette's FileResponse stat first) then reaches the read that the traversal oracle sees.
DECOY_MARK = "sgx-decoy"  # in the decoy's text: the attack oracles know it when it comes back in a response
DECOY_PASSWD = (f"root:x:0:0:{DECOY_MARK}:/root:/bin/sh\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")


@functools.lru_cache(maxsize=1)
def _decoy_folder() -> Path:
    """Our folder under the temp dir for the decoy (someone else's, or a link: a private one instead)."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"safegen-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        folder = Path(tempfile.mkdtemp(prefix="safegen-"))
    return folder


def decoy_passwd() -> str:
    """A host file holding DECOY_PASSWD, mounted read-only as the sandbox's /etc/passwd (checked at every start: a
    temp-folder cleaner may have removed it)."""
    folder = _decoy_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "decoy-passwd"
    if not path.is_file() or path.read_text() != DECOY_PASSWD:
        scratch = folder / f"decoy-passwd.{os.getpid()}"
        scratch.write_text(DECOY_PASSWD)
        scratch.chmod(0o644)
        os.replace(scratch, path)
    return str(path)


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--dir", "/etc", "--ro-bind", decoy_passwd(), "/etc/passwd"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def _prefix_mounts(prefix: str) -> list[str]:
    """Bind only the interpreter's prefix; its parents become empty 0755 directories (e.g. no /root)."""
    if prefix == "/usr" or prefix.startswith("/usr/"):
        return []
    args: list[str] = []
    parent = Path(prefix).parent
    for folder in reversed([parent, *parent.parents][:-1]):
        args += ["--perms", "0755", "--dir", str(folder)]
    return args + ["--ro-bind", prefix, prefix]


def sandbox_command(limits: Limits) -> WorkerCommand:
    """bwrap (as root, for the mounts) -> setpriv (drop to an unprivileged uid) -> python worker."""
    bwrap = find_bwrap()
    if not os.access(SETPRIV, os.X_OK):
        raise SandboxError(f"{SETPRIV} is missing; the sandbox needs it to drop to an unprivileged user",
                           hint="install the Debian package `util-linux`")
    python, prefix = interpreter()
    uid = next_uid()
    extra: list[str] = []
    mounts = _system_mounts() + _prefix_mounts(prefix)
    for folder in ("/opt", "/opt/safegen", EXTRA_SITE, ENV_SITE, WORKER_HOME):  # not 0700 under umask 077
        mounts += ["--perms", "0755", "--dir", folder]
    mounts += ["--ro-bind", worker_package(), f"{WORKER_HOME}/{WORKER_NAME}"]
    found = atheris_dir()
    if found:
        mounts += ["--ro-bind", found, f"{EXTRA_SITE}/atheris"]
        extra.append(EXTRA_SITE)
    for number, site in enumerate(site_dirs()):  # at fixed paths: the project around a venv stays unseen
        mounts += ["--ro-bind", site, f"{ENV_SITE}/{number}"]
        extra.append(f"{ENV_SITE}/{number}")
    argv = [
        bwrap,
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--hostname", "sandbox",
        *mounts,
        "--proc", "/proc", "--dev", "/dev",
        # --size needs bubblewrap 0.8; older ones still get RLIMIT_FSIZE per file, not a total.
        "--perms", "01777", *(["--size", str(limits.disk_bytes)] if bwrap_version(bwrap) >= (0, 8) else []),
        "--tmpfs", SANDBOX_ROOT,
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
        "--setenv", "HOME", SANDBOX_ROOT, "--setenv", "TMPDIR", SANDBOX_ROOT, "--setenv", "MALLOC_ARENA_MAX", "2",
        "--chdir", SANDBOX_ROOT,
        "--",
        SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
        "--no-new-privs",
        python, "-I", "-S", "-B", "-c", BOOTSTRAP, _config(limits, True, SANDBOX_ROOT, extra, bool(found)),
        WORKER_HOME,
    ]
    return WorkerCommand(argv=tuple(argv), env={}, cwd="/", sandboxed=True, uid=uid)


def unsafe_command(limits: Limits, workdir: str) -> WorkerCommand:
    """The same worker without isolation (rlimits only), for users already inside a disposable container."""
    python, _ = interpreter()
    extra: list[str] = site_dirs()
    found = atheris_dir()
    if found:
        site = os.path.join(workdir, "site")
        os.makedirs(site, exist_ok=True)
        os.symlink(found, os.path.join(site, "atheris"))
        extra.append(site)
    root = os.path.join(workdir, "work")
    os.makedirs(root, exist_ok=True)
    home = os.path.join(workdir, "worker")
    os.makedirs(home, exist_ok=True)
    os.symlink(worker_package(), os.path.join(home, WORKER_NAME))
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": root, "TMPDIR": root, "MALLOC_ARENA_MAX": "2"}
    argv = [python, "-I", "-S", "-B", "-c", BOOTSTRAP, _config(limits, False, root, extra, bool(found)), home]
    return WorkerCommand(argv=tuple(argv), env=env, cwd=root, sandboxed=False, uid=None)
