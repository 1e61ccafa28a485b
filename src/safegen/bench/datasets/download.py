"""Find a dataset file: the data dir first, then the user cache, else download it from its pinned source.

Every file is checked against its sha256 before it is used; a download that does not match is never cached.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from safegen import progress
from safegen.bench.datasets.interface import RAW_BASE_URL, Dataset, DatasetSpec
from safegen.errors import DatasetError

BASE_URL_ENV = "SAFEGEN_DATASET_BASE_URL"
DOWNLOAD_TIMEOUT = 60.0


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checkout_root(start: Path | None = None) -> Path | None:
    """The source checkout safegen runs from (the folder holding ``src/safegen`` and pyproject.toml), or None."""
    package = (start or Path(__file__)).resolve()
    for folder in (package, *package.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "src" / "safegen").is_dir():
            return folder
    return None


def find_data_dir(checkout: Path | None = None) -> Path | None:
    """``shared/datasets`` beside the source checkout (the development layout), or None.

    Only beside the checkout: a ``shared/datasets`` folder above the working directory belongs to someone else.
    """
    root = checkout_root(checkout)
    if root is None:
        return None
    candidate = root.parent / "shared" / "datasets"
    return candidate if candidate.is_dir() else None


def default_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """Settings.cache_dir, else the platform's user cache dir for safegen."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("safegen"))


def _check(spec: DatasetSpec, data: bytes, where: str) -> None:
    digest = sha256_bytes(data)
    if digest != spec.sha256:
        raise DatasetError(f"dataset {spec.name} {spec.version}: {where} has sha256 {digest}, expected {spec.sha256}",
                           hint="the file is corrupt or another version; delete it to download the pinned one")


def _download(url: str) -> bytes:
    import httpx

    progress.note(f"downloading {url}")
    try:
        response = httpx.get(url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise DatasetError(f"cannot download {url}: {exc}",
                           hint="check the network, or pass --data-dir / SAFEGEN_DATA_DIR to a local copy") from None
    if response.status_code != 200:
        raise DatasetError(f"cannot download {url}: HTTP {response.status_code}",
                           hint="pass --data-dir / SAFEGEN_DATA_DIR to a local copy of the datasets")
    return response.content


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_path(spec: DatasetSpec, cache_dir: str | Path | None = None) -> Path:
    """Where the verified copy of ``spec`` lives in the cache."""
    return default_cache_dir(cache_dir) / "datasets" / spec.name / spec.version / Path(spec.local_path).name


def fetch(dataset: Dataset, *, data_dir: str | Path | None = None, cache_dir: str | Path | None = None,
          allow_download: bool = True, base_url: str | None = None) -> tuple[Path, bytes]:
    """The verified bytes of the dataset file and where they came from.

    An explicit ``data_dir`` must hold the file. Without one, the development ``shared/datasets`` is tried,
    then the cache, then a download from the pinned upstream commit (hash-checked, then cached).
    """
    spec = dataset.spec
    if data_dir is not None:
        path = Path(data_dir).expanduser() / spec.local_path
        if not path.is_file():
            raise DatasetError(f"dataset {spec.name}: {path} not found",
                               hint="point --data-dir / SAFEGEN_DATA_DIR at the folder holding the datasets, "
                                    "or leave it unset to download them")
        data = path.read_bytes()
        _check(spec, data, str(path))
        return path, data
    found = find_data_dir()
    if found is not None and (found / spec.local_path).is_file():
        path = found / spec.local_path
        data = path.read_bytes()
        _check(spec, data, str(path))
        return path, data
    target = cached_path(spec, cache_dir)
    if target.is_file():
        data = target.read_bytes()
        if sha256_bytes(data) == spec.sha256:
            return target, data
        progress.note(f"cached {target} fails its hash check; downloading again")
    if not allow_download:
        raise DatasetError(f"dataset {spec.name} is not available locally",
                           hint="pass --data-dir / SAFEGEN_DATA_DIR, or allow the download")
    url = spec.source.url(base_url or os.environ.get(BASE_URL_ENV) or RAW_BASE_URL)
    upstream = _download(url)
    if spec.source.sha256 is not None and sha256_bytes(upstream) != spec.source.sha256:
        raise DatasetError(f"dataset {spec.name}: {url} has sha256 {sha256_bytes(upstream)}, "
                           f"expected {spec.source.sha256}", hint="the upstream file changed; nothing was cached")
    try:
        data = dataset.derive(upstream)
    except DatasetError:
        raise
    except Exception as exc:  # a malformed upstream file must not crash with a traceback
        raise DatasetError(f"dataset {spec.name}: cannot read {url}: {exc}",
                           hint="the upstream file is not in the expected format") from None
    _check(spec, data, url)
    _atomic_write(target, data)
    return target, data
