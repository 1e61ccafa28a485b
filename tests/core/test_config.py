"""Settings are layered: defaults < config file < SAFEGEN_* env < flags, with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safegen.config import load_settings
from safegen.errors import ConfigError, InputError


def test_layers_apply_in_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.safegen]\nstrategy = "franc"\nsamples = 3\ntemperature = 0.5\nmax-tokens = 200\n')
    env = {"SAFEGEN_SAMPLES": "7", "SAFEGEN_TEMPERATURE": "0.3"}
    settings = load_settings({"temperature": 0.9, "model": None}, cwd=tmp_path, environ=env)
    assert settings.strategy == "franc"  # file
    assert settings.max_tokens == 200  # file, dashed key
    assert settings.samples == 7  # env beats file
    assert settings.temperature == 0.9  # flag beats env
    assert settings.model is None  # an unset flag changes nothing


def test_safegen_toml_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "safegen.toml").write_text('backend = "openai"\nbase_url = "http://127.0.0.1:8000/v1"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings = load_settings(cwd=sub, environ={})
    assert (settings.backend, settings.base_url) == ("openai", "http://127.0.0.1:8000/v1")


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.other]\nx = 1\n')
    assert load_settings(cwd=tmp_path, environ={}).strategy == "safegen"


def test_openai_api_key_env_is_a_fallback_and_never_printed(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, environ={"OPENAI_API_KEY": "sk-secret"})
    assert settings.api_key == "sk-secret"
    assert "sk-secret" not in str(settings.public_dict())
    assert load_settings(cwd=tmp_path, environ={"OPENAI_API_KEY": "a", "SAFEGEN_API_KEY": "b"}).api_key == "b"


@pytest.mark.parametrize("content, message", [
    ("[tool.safegen]\nsampels = 3\n", "unknown setting 'sampels'"),
    ("[tool.safegen]\nsamples = 'many'\n", "samples"),
    ("[tool.safegen\n", "cannot read config file"),
])
def test_bad_config_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "safegen.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(cwd=tmp_path, environ={})


def test_bad_env_value_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SAFEGEN_UNSAFE_NO_SANDBOX"):
        load_settings(cwd=tmp_path, environ={"SAFEGEN_UNSAFE_NO_SANDBOX": "maybe"})


@pytest.mark.parametrize("content, message", [
    ("samples = 0\n", "samples = 0 is out of range: it must be at least 1"),
    ("max_rounds = -1\n", "max_rounds = -1 is out of range: it must be at least 0"),
    ("top_p = 1.5\n", "top_p = 1.5 is out of range: it must be at most 1"),
    ("fuzz_seconds = 0\n", "fuzz_seconds = 0 is out of range: it must be above 0"),
    ("temperature = nan\n", "temperature = nan is not a valid float"),
])
def test_values_out_of_range_are_refused_wherever_they_come_from(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "safegen.toml").write_text(content)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(cwd=tmp_path, environ={})
    (tmp_path / "safegen.toml").unlink()
    name, value = content.strip().split(" = ")
    with pytest.raises(ConfigError, match=f"SAFEGEN_{name.upper()}='{value}' is "):
        load_settings(cwd=tmp_path, environ={f"SAFEGEN_{name.upper()}": value})


def test_a_bad_override_is_an_input_error_named_as_the_caller_spells_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("--max-rounds -2 is out of range")):
        load_settings({"max_rounds": -2}, cwd=tmp_path, environ={}, override_names={"max_rounds": "--max-rounds"})
    with pytest.raises(InputError, match=re.escape("samples=0 is out of range")):
        load_settings({"samples": 0}, cwd=tmp_path, environ={})
    edge = load_settings({"max_rounds": 0, "temperature": 0, "fuzz_iterations": 0}, cwd=tmp_path, environ={})
    assert (edge.max_rounds, edge.temperature, edge.fuzz_iterations) == (0, 0.0, 0)
