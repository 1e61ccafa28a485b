"""The judges' own virtual environments: pinned tools, created once on demand in the user cache.

Judges must not share the pipeline's tool versions (the project pins bandit 1.9 for its analyzers; the
seed papers judged with bandit 1.7), so each pinned tool set lives in its own venv under
``<cache>/judges/<name>``. Creation is locked, so parallel workers build an environment only once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from safegen import progress
from safegen.bench.datasets.download import default_cache_dir
from safegen.errors import AnalyzerError

MARKER = "safegen-judge-env.json"
INSTALL_TIMEOUT = 1800.0


@dataclass(frozen=True)
class JudgeEnv:
    """A named set of pinned requirements installed into its own venv."""

    name: str
    requirements: tuple[str, ...]

    def root(self, cache_dir: str | Path | None = None) -> Path:
        return default_cache_dir(cache_dir) / "judges" / self.name

    def bin(self, tool: str, cache_dir: str | Path | None = None) -> Path:
        return self.root(cache_dir) / "bin" / tool


BANDIT_VERSION = "1.7.10"  # last 1.7.x: the series the seed papers judged with (SecurityEval used 1.7.4)
CODESHIELD_VERSION = "1.0.1"
ICD_SEMGREP_VERSION = "1.182.0"

BANDIT_ENV = JudgeEnv(f"bandit-{BANDIT_VERSION}", (f"bandit=={BANDIT_VERSION}",))
ICD_ENV = JudgeEnv(f"codeshield-{CODESHIELD_VERSION}",
                   (f"codeshield=={CODESHIELD_VERSION}", f"semgrep=={ICD_SEMGREP_VERSION}"))
ALL_ENVS = (BANDIT_ENV, ICD_ENV)


def _ready(root: Path, env: JudgeEnv) -> bool:
    try:
        marker = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return bool(marker.get("requirements") == list(env.requirements) and (root / "bin" / "python").exists())


def _base_python() -> str:
    """A Python to create venvs with: the interpreter behind the current one (venvs nest badly)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(base) if base.exists() else sys.executable


def ensure_env(env: JudgeEnv, cache_dir: str | Path | None = None, *, create: bool = True) -> Path:
    """The venv root for ``env``, creating it (python -m venv + pip install) when missing or stale."""
    root = env.root(cache_dir)
    if _ready(root, env):
        return root
    if not create:
        raise AnalyzerError(f"judge environment {env.name} is not installed",
                            hint="run `safegen bench setup` (or scripts/judge_env.sh) once")
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{env.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready(root, env):  # another worker built it while we waited
            return root
        shutil.rmtree(root, ignore_errors=True)
        progress.note(f"creating judge environment {root} ({', '.join(env.requirements)}); done once")
        try:
            subprocess.run([_base_python(), "-m", "venv", str(root)], check=True, capture_output=True,
                           timeout=300)
            subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *env.requirements],
                           check=True, capture_output=True, timeout=INSTALL_TIMEOUT,
                           env={**os.environ, "PIP_NO_INPUT": "1"})
        except subprocess.CalledProcessError as exc:
            tail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
            shutil.rmtree(root, ignore_errors=True)
            raise AnalyzerError(f"cannot create judge environment {env.name}: {' '.join(tail)}",
                                hint="check that PyPI is reachable") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise AnalyzerError(f"cannot create judge environment {env.name}: {exc}") from None
        (root / MARKER).write_text(json.dumps({"requirements": list(env.requirements)}))
    return root


def main() -> int:
    """`python -m safegen.bench.judges.envs`: create every judge environment (for CI set-up)."""
    for env in ALL_ENVS:
        print(ensure_env(env))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
