"""Escape attempts: each test passes only if the attempt fails, the host is untouched, and the fuzzer finishes."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sandbox_support import HAVE_BWRAP, processes_of

from safegen.fuzz import fuzz_function
from safegen.sandbox import Limits, Sandbox
from safegen.sandbox.launcher import DECOY_PASSWD

PROJECT = Path(__file__).resolve().parents[2]
LIBC = '''
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)

def raw_open(path, flags):
    """libc open(): no audit hook sees it, only the file system can refuse."""
    fd = libc.open(path.encode(), flags, 0o644)
    return fd if fd >= 0 else -ctypes.get_errno()

def raw_connect(port):
    """libc connect(): no audit hook sees it, only the network namespace can refuse."""
    fd = libc.socket(2, 1, 0)
    address = struct.pack("<H", 2) + struct.pack("!H", port) + bytes([127, 0, 0, 1]) + bytes(8)
    result = libc.connect(fd, address, len(address))
    return 0 if result == 0 else ctypes.get_errno()
'''


def quick_fuzz(sandbox: Sandbox, code: str, entry: str, seeds: list[list[object]] | None = None,
               iterations: int = 12, seconds: float = 6.0):
    return fuzz_function(sandbox, code, entry, seeds=seeds or [], iterations=iterations, seconds=seconds)


def test_connection_to_a_host_listener_never_arrives(sandbox: Sandbox) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)
    port = server.getsockname()[1]
    code = LIBC + '''
import socket
def connect(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return "connected"
'''
    try:
        hooked, raw = sandbox.call(code, "connect", [((port,), {})])[0], sandbox.call(code, "raw_connect", [((port,), {})])[0]
        report = quick_fuzz(sandbox, code, "connect", seeds=[[port]])
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()
    assert hooked.status == "oracle" and [e.kind for e in hooked.events] == ["network"]
    assert hooked.return_repr == ""
    assert raw.ok and int(raw.return_repr) in (errno.ECONNREFUSED, errno.ENETUNREACH), raw
    assert "network" in {d.kind for d in report.defects}
    assert report.executions > 0


def test_writes_outside_the_working_dir_never_reach_the_host(sandbox: Sandbox, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    host_tmp = tmp_path / f"escaped-{marker}.txt"
    host_project = PROJECT / f"escaped-{marker}.txt"
    code = LIBC + '''
import os
def write(path: str) -> str:
    with open(path, "w") as handle:
        handle.write("pwned")
    return os.path.abspath(path)
'''
    flags = os.O_WRONLY | os.O_CREAT
    results = sandbox.call(code, "write", [((str(host_tmp),), {}), ((str(host_project),), {}), (("inside.txt",), {})])
    raw = sandbox.call(code, "raw_open", [((str(host_project), flags), {}), (("/usr/lib/pwned", flags), {}),
                                          (("/work/../pwned", flags), {})])
    report = quick_fuzz(sandbox, code, "write", seeds=[[str(host_tmp)], ["../../pwned"]])
    assert [r.status for r in results] == ["oracle", "oracle", "ok"]
    assert all(r.events[0].kind == "write_outside" for r in results[:2])
    assert results[2].events == ()  # writing inside the private directory is fine
    assert all(r.ok and int(r.return_repr) < 0 for r in raw), raw  # EROFS / ENOENT / EACCES
    assert {-int(r.return_repr) for r in raw} <= {errno.EROFS, errno.ENOENT, errno.EACCES}
    assert "write_outside" in {d.kind for d in report.defects}
    assert not host_tmp.exists() and not host_project.exists()
    assert not (Path("/usr/lib/pwned").exists() or Path("/pwned").exists())


def test_the_decoy_passwd_is_made_again_when_a_temp_cleaner_removed_it() -> None:
    from safegen.sandbox.launcher import decoy_passwd

    path = Path(decoy_passwd())
    path.unlink()
    assert Path(decoy_passwd()) == path and path.read_text() == DECOY_PASSWD
    assert path.stat().st_mode & 0o777 == 0o644 and path.parent.stat().st_mode & 0o777 == 0o700


def test_home_directory_and_project_files_are_invisible(sandbox: Sandbox) -> None:
    secret = uuid.uuid4().hex
    marker = Path.home() / f".safegen-test-marker-{secret[:8]}"
    marker.write_text(secret)
    code = '''
import os
def read(path: str) -> str:
    with open(path) as handle:
        return handle.read()
def look(paths: list) -> list:
    return [os.path.exists(p) for p in paths]
'''
    try:
        read = sandbox.call(code, "read", [((str(marker),), {})])[0]
        seen = sandbox.call(code, "look", [(([str(marker), str(PROJECT / "pyproject.toml"), str(PROJECT),
                                               str(Path.home() / ".ssh"), "/etc/shadow"],), {})])[0]
        passwd = sandbox.call(code, "read", [(("/etc/passwd",), {})])[0]
        report = quick_fuzz(sandbox, code, "read", seeds=[[str(marker)]])
    finally:
        marker.unlink()
    assert read.status in ("exception", "oracle") and read.exception_type in ("FileNotFoundError", "PermissionError")
    assert secret not in read.return_repr + read.message + read.stdout + read.traceback
    assert seen.return_repr == "[False, False, False, False, False]"
    assert passwd.return_repr == repr(DECOY_PASSWD)  # the sandbox's decoy, never the host's file
    assert all(secret not in d.message + d.input for d in report.defects)
    assert report.executions > 0


def test_environment_secrets_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not installed")
    secret = "sk-" + uuid.uuid4().hex
    monkeypatch.setenv("SAFEGEN_TEST_SECRET", secret)
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    code = '''
import os
def env() -> str:
    found = [repr(dict(os.environ))]
    for path in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
        try:
            with open(path, "rb") as handle:
                found.append(handle.read().decode(errors="replace"))
        except OSError as exc:
            found.append(type(exc).__name__)
    return " ".join(found)
'''
    for unsafe in (False, True):
        with Sandbox(unsafe_no_sandbox=unsafe) as box:
            result = box.call(code, "env", [((), {})])[0]
            report = quick_fuzz(box, code, "env")
        assert result.ok, result
        assert secret not in result.return_repr and "SAFEGEN_TEST_SECRET" not in result.return_repr
        assert report.defects == ()


def test_fork_bomb_is_stopped_by_rlimit_nproc(sandbox: Sandbox) -> None:
    code = '''
import os, time
def bomb(n: int) -> None:
    while True:
        os.fork()
def count() -> int:
    started = 0
    try:
        while True:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            started += 1
    except OSError:
        return started
'''
    bomb = sandbox.call(code, "bomb", [((0,), {})])[0]
    counted = sandbox.call(code, "count", [((), {})])[0]
    report = quick_fuzz(sandbox, code, "bomb", iterations=4, seconds=4)
    after = sandbox.call(code, "count", [((), {})])[0]
    assert bomb.status in ("exception", "timeout", "crash")
    assert counted.ok and 0 < int(counted.return_repr) < Limits().processes  # the uid is not root: the limit holds
    assert after.ok and int(after.return_repr) == int(counted.return_repr)  # nothing left over from the bomb
    assert processes_of(int(sandbox.hello["uid"])) <= 1  # only the worker
    assert report.executions > 0


def test_allocating_16_gb_fails_inside(sandbox: Sandbox) -> None:
    code = "def allocate(gb: int) -> int:\n    return len(bytearray(gb * 2**30))\n"
    result = sandbox.call(code, "allocate", [((16,), {})])[0]
    report = quick_fuzz(sandbox, code, "allocate", seeds=[[16]])
    assert result.status == "memory" and result.exception_type == "MemoryError"
    assert result.location == "target.py:2"
    assert "memory" in {d.kind for d in report.defects}


def test_spinning_forever_is_cut_off_and_killed(sandbox: Sandbox) -> None:
    code = "def spin(x: int) -> None:\n    while True:\n        x += 1\n"
    result = sandbox.call(code, "spin", [((0,), {})], timeout=0.5)[0]
    assert result.status == "timeout"
    assert result.location in ("target.py:2", "target.py:3")  # faulthandler's dump names the hanging loop
    assert processes_of(int(sandbox.hello["uid"])) <= 1
    report = quick_fuzz(sandbox, code, "spin", iterations=4, seconds=2)
    assert [d.kind for d in report.defects] == ["hang"]
    assert processes_of(int(sandbox.hello["uid"])) <= 1


def test_killing_the_parent_only_ends_that_execution(sandbox: Sandbox) -> None:
    code = '''
import os, signal
def kill_parent(x: int) -> None:
    os.kill(os.getppid(), signal.SIGKILL)
def kill_everything(x: int) -> None:
    os.kill(-1, signal.SIGKILL)
def ok(x: int) -> int:
    return x + 1
'''
    parent = sandbox.call(code, "kill_parent", [((1,), {}), ((2,), {})])
    everything = sandbox.call(code, "kill_everything", [((1,), {})])[0]
    report = quick_fuzz(sandbox, code, "kill_everything", iterations=5)
    after = sandbox.call(code, "ok", [((41,), {})])[0]
    assert [r.status for r in parent] == ["crash", "crash"]
    assert everything.status == "crash"
    assert after.ok and after.return_repr == "42"
    assert report.executions > 0 and {d.kind for d in report.defects} == {"crash"}


def test_filling_the_disk_stays_in_the_private_tmpfs(sandbox: Sandbox) -> None:
    code = '''
import errno, os
def fill(size: int) -> tuple:
    written, number = 0, 0
    chunk = b"x" * (1 << 20)
    try:
        while True:
            with open(f"fill{number}.bin", "wb") as handle:
                for _ in range(size):
                    handle.write(chunk)
                    written += len(chunk)
            number += 1
    except OSError as exc:
        return written, errno.errorcode.get(exc.errno, str(exc.errno))
def listing() -> list:
    return sorted(os.listdir("."))
'''
    before = set(Path("/work").iterdir()) if Path("/work").exists() else set()
    big_file = sandbox.call(code, "fill", [((64,), {})])[0]
    many_files = sandbox.call(code, "fill", [((4,), {})])[0]
    listing = sandbox.call(code, "listing", [((), {})])[0]
    report = quick_fuzz(sandbox, code, "fill", seeds=[[8]], iterations=4)
    after = set(Path("/work").iterdir()) if Path("/work").exists() else set()
    size, code_name = eval(big_file.return_repr)
    assert code_name == "EFBIG" and size <= Limits().file_bytes
    size, code_name = eval(many_files.return_repr)
    assert code_name == "ENOSPC" and size <= Limits().disk_bytes
    assert listing.return_repr == "['target.py']"  # each execution starts from a clean directory
    assert after == before  # nothing appeared in the host's /work
    assert report.executions > 0


def test_identity_is_unprivileged_and_isolated(sandbox: Sandbox) -> None:
    code = '''
import os, socket
def who() -> dict:
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cap": status["CapEff"].strip(),
            "nnp": status["NoNewPrivs"].strip(), "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
            "net": [name for _, name in socket.if_nameindex()], "host": socket.gethostname(),
            "root": sorted(os.listdir("/")), "writable_usr": os.access("/usr", os.W_OK)}
'''
    info = eval(sandbox.call(code, "who", [((), {})])[0].return_repr)
    assert info["uid"] != 0 and info["gid"] != 0 and info["groups"] == []
    assert info["cap"] == "0000000000000000" and info["nnp"] == "1"
    assert info["pids"] <= 6  # bwrap's init, the worker, the module process, this execution
    assert info["net"] == ["lo"] and info["host"] == "sandbox"
    assert "home" not in info["root"] and not info["writable_usr"]


def test_missing_bubblewrap_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from safegen.errors import SandboxError
    from safegen.sandbox import launcher

    monkeypatch.setattr(launcher.shutil, "which", lambda name: None)
    real_access = os.access
    monkeypatch.setattr(launcher.os, "access", lambda path, mode: False if "bwrap" in str(path) else real_access(path, mode))
    with pytest.raises(SandboxError) as caught:
        Sandbox.create()
    assert "bubblewrap" in str(caught.value) and caught.value.exit_code == 9


def test_unsafe_mode_warns_every_time(capfd: pytest.CaptureFixture[str]) -> None:
    from safegen.config import Settings

    for _ in range(2):
        with Sandbox.create(Settings(unsafe_no_sandbox=True)) as box:
            assert box.call("def f(x):\n    return x * 2\n", "f", [((21,), {})])[0].return_repr == "42"
    assert capfd.readouterr().err.count("WITHOUT isolation") == 2


def test_everything_dies_with_the_host_process(tmp_path: Path) -> None:
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not installed")
    script = tmp_path / "host.py"
    script.write_text(
        "import sys\nfrom safegen.sandbox import Sandbox\n"
        "box = Sandbox.create()\nprint(box.hello['uid'], flush=True)\n"
        "box.call('import os\\ndef spin():\\n    os.fork()\\n    while True:\\n        pass\\n', 'spin', [((), {})],"
        " timeout=60)\n")
    host = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert host.stdout is not None
    uid = int(host.stdout.readline())
    deadline = time.monotonic() + 20
    while processes_of(uid) < 4 and time.monotonic() < deadline:  # worker, module process, spinner and its fork
        time.sleep(0.05)
    assert processes_of(uid) >= 4
    host.kill()  # SIGKILL: no cleanup code runs in the host
    host.wait()
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_of(uid) == 0  # --die-with-parent took bwrap down, and its PID namespace with it


def test_close_leaves_no_process_behind() -> None:
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not installed")
    box = Sandbox.create()
    uid = int(box.hello["uid"])
    box.call("def f(x):\n    return x\n", "f", [((1,), {})])
    assert processes_of(uid) == 1
    box.close()
    assert processes_of(uid) == 0
    box.close()  # twice is fine
