"""Options shared by several subcommands and the mapping from parsed arguments to Settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.config import Settings, load_settings
from safegen.errors import InputError, SafegenError

# argparse dest -> Settings field, for every option that overrides a setting.
SETTING_OPTIONS = {
    "backend": "backend", "model": "model", "lora": "lora", "base_url": "base_url", "api_key": "api_key",
    "continue_answers": "continue_answers",
    "temperature": "temperature", "top_p": "top_p", "max_tokens": "max_tokens", "seed": "seed",
    "threads": "threads", "strategy": "strategy", "samples": "samples", "max_rounds": "max_rounds",
    "iterations": "fuzz_iterations", "seconds": "fuzz_seconds", "data_dir": "data_dir",
    "unsafe_no_sandbox": "unsafe_no_sandbox", "debug": "debug",
}


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options choosing and tuning the LLM backend."""
    group = parser.add_argument_group("model")
    group.add_argument("--backend", help="LLM backend: local (default), openai, fake")
    group.add_argument("--model", help="local: GGUF path or model name; openai: model id")
    group.add_argument("--lora", metavar="PATH", help="local: apply this LoRA adapter (llama.cpp GGUF) to the model")
    group.add_argument("--base-url", dest="base_url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    group.add_argument("--api-key", dest="api_key", help="API key (prefer SAFEGEN_API_KEY or OPENAI_API_KEY)")
    group.add_argument("--continue-answers", dest="continue_answers", action="store_true", default=None,
                       help="openai: the server continues a final assistant message (vLLM, llama.cpp server), "
                            "so safegen can open the answer to a Python prompt with the prompt itself")
    group.add_argument("--temperature", type=float)
    group.add_argument("--top-p", dest="top_p", type=float)
    group.add_argument("--max-tokens", dest="max_tokens", type=int)
    group.add_argument("--seed", type=int)
    group.add_argument("--threads", type=int, help="CPU threads for the local model (default: available cores)")


def add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unsafe-no-sandbox", dest="unsafe_no_sandbox", action="store_true", default=None,
                        help="run generated code without bubblewrap (only inside a disposable container)")


def add_output_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument("--format", choices=formats, default=formats[0], help="output format")
    parser.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Config file < env < the flags the user actually gave."""
    overrides: dict[str, Any] = {}
    for dest, name in SETTING_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None and value is not False:
            overrides[name] = value
    flags = {name: "--" + dest.replace("_", "-") for dest, name in SETTING_OPTIONS.items()}
    return load_settings(overrides, override_names=flags)


def strategy_options(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as constructor flags: true/false, integers, numbers, none, else text."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise InputError(f"--option {pair!r} is not NAME=VALUE", hint="for example --option attacks=true")
        value: Any = text.strip()
        lowered = value.lower()
        if lowered in ("true", "false"):
            value = lowered == "true"
        elif lowered == "none":
            value = None
        else:
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    continue
        options[name.strip()] = value
    return options


def add_hardening_options(parser: argparse.ArgumentParser, what: str) -> None:
    """--strategy, --max-rounds and --samples of the servers that harden code (serve, mcp)."""
    parser.add_argument("--strategy", help=f"strategy that {what} (see `safegen strategies`)")
    parser.add_argument("--max-rounds", dest="max_rounds", type=int, help="repair rounds")
    parser.add_argument("--samples", type=int, help="samples for franc/securecoder/safegen")


def check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port number")


def add_strategy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--option", dest="strategy_options", action="append", default=[], metavar="NAME=VALUE",
                        help="a flag of the strategy, e.g. --option attacks=true --option samples=3 (repeat; see "
                             "`safegen strategies`); recorded in the run")


def run_with_exit_code(args: argparse.Namespace, body: Callable[[argparse.Namespace], int], error_code: int) -> int:
    """Run a command whose every error is ``error_code`` (as bandit's "2: error"), a message, no traceback."""
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    try:
        return body(args)
    except SafegenError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"safegen: error: {exc}", file=sys.stderr)
        return error_code


def read_source(path: Path) -> str:
    """A source file's text; InputError (exit 2) naming the file when it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def write_output(text: str, output: str | None) -> None:
    """Write the report to ``output`` or stdout, ending with one newline."""
    if not text.endswith("\n"):
        text += "\n"
    if output and output != "-":
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
