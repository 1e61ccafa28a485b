"""One frozen settings object, layered: defaults < config file < SAFEGEN_* env vars < CLI flags."""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from safegen.errors import ConfigError, InputError, SafegenError


@dataclass(frozen=True)
class Settings:
    """Everything a run can be configured with. CLI flags, env vars and files all map onto these fields."""

    backend: str = "local"
    model: str | None = None  # local: GGUF path or a known model name; openai: the model id
    lora: str | None = None  # local only: path to a LoRA adapter in llama.cpp's GGUF format
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = 0.0
    top_p: float = 0.95
    max_tokens: int = 1024
    seed: int = 0
    threads: int | None = None
    context_size: int = 4096
    request_timeout: float = 120.0
    retries: int = 3
    continue_answers: bool = False  # openai only: the server continues a final assistant message (vLLM, llama.cpp)
    strategy: str = "safegen"
    samples: int = 5
    max_rounds: int = 4
    fuzz_iterations: int = 150
    fuzz_seconds: float = 30.0
    scan_timeout: float = 60.0
    data_dir: str | None = None
    cache_dir: str | None = None
    unsafe_no_sandbox: bool = False
    debug: bool = False

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def public_dict(self) -> dict[str, Any]:
        """Settings as a dict, without secrets, for run records."""
        data = dataclasses.asdict(self)
        data["api_key"] = "***" if self.api_key else None
        return data


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
CONFIG_FILES = ("safegen.toml", "pyproject.toml")
# The smallest value each numeric setting may take, and whether it must be above it (not equal).
_LOWER_BOUNDS: dict[str, tuple[float, bool]] = {
    "temperature": (0, False), "top_p": (0, True), "max_tokens": (1, False), "threads": (1, False),
    "context_size": (256, False), "request_timeout": (0, True), "retries": (0, False), "samples": (1, False),
    "max_rounds": (0, False), "fuzz_iterations": (0, False), "fuzz_seconds": (0, True), "scan_timeout": (0, True),
}


def _coerce(name: str, value: Any, subject: str, error: type[SafegenError] = ConfigError) -> Any:
    """Convert a raw value (env strings included) to the field's type and check its range.

    ``subject`` names where the value came from in the message (``safegen.toml: samples = 0``).
    """
    field_type = str(_FIELDS[name].type)
    if value is None:
        return None
    try:
        if field_type.startswith("bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if field_type.startswith("int"):
            if isinstance(value, bool):
                raise ValueError(value)
            number: float = int(value)
        elif field_type.startswith("float"):
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
        else:
            return str(value)
    except (TypeError, ValueError):
        raise error(f"{subject} is not a valid {field_type}", hint="fix the value or remove it") from None
    problem = _range_problem(name, number)
    if problem:
        raise error(f"{subject} is out of range: {problem}", hint="fix the value or remove it")
    return number


def _range_problem(name: str, value: float) -> str:
    """Why ``value`` is outside the range of setting ``name``; empty when it is inside."""
    bound = _LOWER_BOUNDS.get(name)
    if bound is not None:
        lowest, exclusive = bound
        if value < lowest or (exclusive and value == lowest):
            return f"it must be {'above' if exclusive else 'at least'} {lowest:g}"
    if name == "top_p" and value > 1:
        return "it must be at most 1"
    return ""


def find_config_file(start: Path) -> Path | None:
    """The nearest safegen.toml, or pyproject.toml with a [tool.safegen] table, from ``start`` upwards."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "safegen.toml":
                return candidate
            try:
                if "safegen" in tomllib.loads(candidate.read_text()).get("tool", {}):
                    return candidate
            except (OSError, tomllib.TOMLDecodeError):
                continue
    return None


def _file_values(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}", hint="fix its TOML syntax") from None
    table = data.get("tool", {}).get("safegen", data if path.name == "safegen.toml" else {})
    values = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise ConfigError(f"{path}: unknown setting {key!r}",
                              hint=f"known settings: {', '.join(sorted(_FIELDS))}")
        values[name] = _coerce(name, value, f"{path}: {key} = {value!r}")
    return values


def _env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name in _FIELDS:
        key = "SAFEGEN_" + name.upper()
        if key in environ:
            values[name] = _coerce(name, environ[key], f"{key}={environ[key]!r}")
    if "api_key" not in values and environ.get("OPENAI_API_KEY"):
        values["api_key"] = environ["OPENAI_API_KEY"]
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    override_names: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings: defaults, then the config file, then env vars, then ``overrides`` (None = unset).

    A bad override is an InputError naming it as ``override_names`` spells it (the CLI passes its flags).
    """
    environ = os.environ if environ is None else environ
    path = config_file or find_config_file((cwd or Path.cwd()).resolve())
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_file_values(path))
    values.update(_env_values(environ))
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in _FIELDS:
            raise ConfigError(f"unknown setting {name!r}", hint=f"known settings: {', '.join(sorted(_FIELDS))}")
        label = (override_names or {}).get(name, name)
        values[name] = _coerce(name, value, f"{label} {value!r}" if label.startswith("-") else f"{label}={value!r}",
                               InputError)
    return Settings(**values)
