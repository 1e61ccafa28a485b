"""`safegen mcp`: a Model Context Protocol server with scan_code, harden_code and fuzz_function."""

from __future__ import annotations

import argparse
from typing import Any

from safegen import progress
from safegen.cli.common import (
    add_hardening_options,
    add_model_options,
    add_sandbox_options,
    check_port,
    settings_from_args,
)
from safegen.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mcp", help="Model Context Protocol server (stdio or streamable HTTP)",
        description="Serve safegen's tools to coding agents over MCP: scan_code, harden_code, fuzz_function, "
                    "attack_function. "
                    "With --transport stdio (default) an agent starts it as a subprocess; with http it listens "
                    "on --host:--port at /mcp.")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="http: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="http: port (default 8765)")
    add_hardening_options(parser, "harden_code repairs with")
    add_model_options(parser)
    add_sandbox_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    progress.set_quiet(True)  # stdout is the protocol; nothing else may be written there
    check_port(args.port)
    try:
        from safegen.mcpserver.server import build_server
    except ImportError as exc:
        raise ConfigError(f"safegen mcp needs {exc.name}", hint="pip install 'safegen[serve]'") from None
    server, box = build_server(settings_from_args(args), host=args.host, port=args.port)
    try:
        server.run("streamable-http" if args.transport == "http" else "stdio")
    finally:
        box.close()
        from safegen.cli.generate import _unload_models

        _unload_models()
    return 0
