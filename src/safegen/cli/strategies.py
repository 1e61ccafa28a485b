"""`safegen strategies`: list the generation strategies, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from safegen.cli.common import write_output
from safegen.config import load_settings
from safegen.errors import SafegenError
from safegen.registry import STRATEGIES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("strategies", help="list the secure-generation strategies",
                                   description="List the strategies `safegen generate --strategy` accepts.")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        default = load_settings().strategy
    except SafegenError:
        default = "safegen"
    names = STRATEGIES.names()
    width = max(len(n) for n in names) + 2
    lines = []
    for name in names:
        summary = getattr(STRATEGIES.get(name), "summary", "") or ""
        mark = " (default)" if name == default else ""
        lines.append(f"{name:<{width}}{summary}{mark}")
    write_output("\n".join(lines), None)
    return 0
