"""Model assembly from part packages: cache, atomicity under a kill, corruption, missing parts, GGUF paths."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from safegen.backends import models
from safegen.backends.models import ModelSpec, resolve_model
from safegen.errors import ModelError

PARTS = [b"GGUF" + bytes(range(256)) * 40, bytes(reversed(range(256))) * 60, b"tail-of-the-model" * 100]


def _make_parts(root: Path, prefix: str, contents: list[bytes]) -> None:
    """Write importable part packages ``<prefix>1..N`` whose get_part_path() returns their data file."""
    for i, data in enumerate(contents, start=1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(textwrap.dedent(f"""
            import os
            def get_part_path():
                return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "part{i:02d}.bin")
        """))


def _spec(prefix: str, contents: list[bytes], sha: str | None = None) -> ModelSpec:
    blob = b"".join(contents)
    return ModelSpec(name="tiny", filename="tiny.gguf", sha256=sha or hashlib.sha256(blob).hexdigest(),
                     size=len(blob), package_prefix=prefix.replace("_", "-"), module_prefix=prefix,
                     parts=len(contents), version="1.0", requirements_file="requirements/tiny.txt",
                     origin="test", description="test model")


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> ModelSpec:
    prefix = f"sgtestpart_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}_"
    site = tmp_path / "site"
    _make_parts(site, prefix, PARTS)
    monkeypatch.syspath_prepend(str(site))
    spec = _spec(prefix, PARTS)
    monkeypatch.setitem(models.KNOWN_MODELS, "tiny", spec)
    return spec


def test_assembles_verifies_and_stamps(tiny: ModelSpec, tmp_path: Path) -> None:
    path = resolve_model("tiny", tmp_path / "cache")
    assert path == tmp_path / "cache" / "models" / "tiny.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    assert (tmp_path / "cache" / "models" / "tiny.gguf.sha256").read_text().split()[0] == tiny.sha256
    assert not list(path.parent.glob("*.partial"))


def test_cached_file_is_reused_without_reassembly(tiny: ModelSpec, tmp_path: Path) -> None:
    path = resolve_model("tiny", tmp_path)
    inode = path.stat().st_ino
    assert resolve_model("tiny", tmp_path).stat().st_ino == inode


def test_unstamped_file_is_not_trusted(tiny: ModelSpec, tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "tiny.gguf").write_bytes(b"\0" * tiny.size)  # right size, wrong bytes, no stamp
    path = resolve_model("tiny", tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == tiny.sha256


def test_stamped_file_with_wrong_size_is_rebuilt(tiny: ModelSpec, tmp_path: Path) -> None:
    path = resolve_model("tiny", tmp_path)
    with path.open("ab") as fh:
        fh.write(b"junk")
    assert resolve_model("tiny", tmp_path).read_bytes() == b"".join(PARTS)


def test_corrupt_parts_are_detected_and_leave_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "sgtestpart_corrupt_"
    _make_parts(tmp_path / "site", prefix, PARTS)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    good = _spec(prefix, PARTS)
    (tmp_path / "site" / f"{prefix}2" / "data" / "part02.bin").write_bytes(b"\x01" * len(PARTS[1]))  # bit rot
    monkeypatch.setitem(models.KNOWN_MODELS, "tiny", good)
    with pytest.raises(ModelError, match="corrupt") as info:
        resolve_model("tiny", tmp_path / "cache")
    assert "--force-reinstall" in info.value.hint
    folder = tmp_path / "cache" / "models"
    assert not (folder / "tiny.gguf").exists()
    assert not (folder / "tiny.gguf.sha256").exists()
    assert not list(folder.glob("*.partial"))


def test_missing_part_package_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "sgtestpart_missing_"
    _make_parts(tmp_path / "site", prefix, PARTS[:2])  # part 3 never installed
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setitem(models.KNOWN_MODELS, "tiny", _spec(prefix, PARTS))
    with pytest.raises(ModelError) as info:
        resolve_model("tiny", tmp_path)
    assert "sgtestpart-missing-3" in info.value.message
    assert "pip install" in info.value.hint and "requirements/tiny.txt" in info.value.hint


def test_killed_assembly_leaves_no_valid_file(tmp_path: Path) -> None:
    """SIGKILL while the second part is being read: no target, no stamp; the next run assembles correctly."""
    prefix = "sgtestpart_kill_"
    site = tmp_path / "site"
    _make_parts(site, prefix, PARTS)
    data2 = site / f"{prefix}2" / "data" / "part02.bin"
    data2.unlink()
    os.mkfifo(data2)  # the assembler blocks reading it, mid-way through the model
    spec = _spec(prefix, PARTS)
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        from safegen.backends import models
        models.KNOWN_MODELS["tiny"] = models.ModelSpec(**{spec.__dict__!r})
        models.resolve_model("tiny", {str(cache)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "SAFEGEN_QUIET": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the assembler to open the part for reading, without blocking forever
            assert proc.poll() is None, "the assembler exited before reaching the second part"
            assert time.monotonic() < deadline, "the assembler never opened the second part"
            try:
                fd = os.open(data2, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                time.sleep(0.02)
        try:
            os.write(fd, PARTS[1][:1000])
            while not list((cache / "models").glob("*.partial")) and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            os.close(fd)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    folder = cache / "models"
    assert list(folder.glob("*.partial")), "the kill should have happened mid-assembly"
    assert not (folder / "tiny.gguf").exists()
    assert not (folder / "tiny.gguf.sha256").exists()

    data2.unlink()
    data2.write_bytes(PARTS[1])
    sys.path.insert(0, str(site))
    try:
        models.KNOWN_MODELS["tiny"] = spec
        path = resolve_model("tiny", cache)
    finally:
        sys.path.remove(str(site))
        del models.KNOWN_MODELS["tiny"]
    assert path.read_bytes() == b"".join(PARTS)
    assert not list(folder.glob("*.partial")), "stale partial files are cleaned up"


def test_gguf_path_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "my model.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00rest")
    assert resolve_model(str(gguf), tmp_path / "cache") == gguf.resolve()
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("content,match", [
    (b"PK\x03\x04 a zip file", "not a GGUF"),
    (b"", "not a GGUF"),
])
def test_non_gguf_file_is_rejected(tmp_path: Path, content: bytes, match: str) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(content)
    with pytest.raises(ModelError, match=match):
        resolve_model(str(bad))


def test_missing_path_and_directory_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as info:
        resolve_model(str(tmp_path / "nope.gguf"))
    assert "qwen2.5-coder-1.5b" in info.value.hint
    with pytest.raises(ModelError, match="not a file"):
        resolve_model(str(tmp_path))


def test_catalog_matches_requirement_files() -> None:
    """Every catalogued model has a hash-pinned requirements file listing exactly its parts."""
    root = Path(__file__).resolve().parents[2]
    for spec in models.KNOWN_MODELS.values():
        text = (root / spec.requirements_file).read_text()
        pins = [line.split()[0] for line in text.splitlines() if "==" in line]
        assert pins == [f"{spec.package_prefix}{i}=={spec.version}" for i in range(1, spec.parts + 1)]
        assert text.count("--hash=sha256:") == spec.parts
    assert models.DEFAULT_MODEL in models.KNOWN_MODELS
