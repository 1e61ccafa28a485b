"""One frozen settings object, layered: defaults < config file < SAFEGEN_* env vars < CLI flags."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from safegen.errors import ConfigError


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


def _coerce(name: str, value: Any, source: str) -> Any:
    """Convert a raw value (env strings included) to the field's type, or raise ConfigError."""
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
            return int(value)
        if field_type.startswith("float"):
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {value!r} is not a valid {field_type}",
                          hint="fix the value or remove it") from None


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
        values[name] = _coerce(name, value, str(path))
    return values


def _env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name in _FIELDS:
        key = "SAFEGEN_" + name.upper()
        if key in environ:
            values[name] = _coerce(name, environ[key], key)
    if "api_key" not in values and environ.get("OPENAI_API_KEY"):
        values["api_key"] = environ["OPENAI_API_KEY"]
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the settings: defaults, then the config file, then env vars, then ``overrides`` (None = unset)."""
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
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, value, "command line")
    return Settings(**values)
