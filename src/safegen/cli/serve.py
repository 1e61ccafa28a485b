"""`safegen serve`: an OpenAI-compatible server that hardens the Python code in the answers it passes on."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from safegen import progress
from safegen.cli.common import (
    add_hardening_options,
    add_model_options,
    add_sandbox_options,
    check_port,
    settings_from_args,
)
from safegen.errors import ConfigError, InputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="OpenAI-compatible proxy that hardens the code in the answers",
        description="Serve /v1/chat/completions, /v1/models and /health. Answers come from the embedded model "
                    "(or --upstream, any OpenAI-compatible server); the Python code blocks in each answer are "
                    "scanned and, when vulnerable, repaired by --strategy before the answer is returned. "
                    "The completion's extra field `safegen` lists what was found and changed.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--upstream", metavar="URL",
                        help="OpenAI-compatible base URL to take answers from, e.g. http://127.0.0.1:8080/v1 "
                             "(the client's API key is passed on unless --api-key / SAFEGEN_API_KEY is set)")
    parser.add_argument("--mode", choices=("harden", "annotate"), default="harden",
                        help="harden: repair vulnerable code blocks (default); annotate: pass answers (and "
                             "upstream streams) through unchanged and add the findings")
    parser.add_argument("--note", action="store_true", help="append a one-line note on the findings to answers")
    add_hardening_options(parser, "repairs vulnerable blocks")
    parser.add_argument("--workers", type=int, default=2, help="requests worked on at once (default 2)")
    parser.add_argument("--queue", type=int, default=8,
                        help="requests that may wait for a worker; beyond that the answer is 429 (default 8)")
    parser.add_argument("--keepalive", type=float, default=5.0,
                        help="seconds between keep-alive comments on a stream being hardened (default 5)")
    add_model_options(parser)
    add_sandbox_options(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    progress.set_quiet(bool(args.quiet))
    if args.workers < 1 or args.queue < 0 or args.keepalive <= 0:
        raise InputError("--workers must be at least 1, --queue at least 0 and --keepalive positive")
    check_port(args.port)
    if args.upstream and not args.upstream.startswith(("http://", "https://")):
        raise InputError(f"--upstream {args.upstream!r} is not an http(s) URL",
                         hint="for example http://127.0.0.1:8080/v1")
    try:
        import uvicorn

        from safegen.serve.app import Proxy, ServeOptions, create_app
    except ImportError as exc:
        raise ConfigError(f"safegen serve needs {exc.name}", hint="pip install 'safegen[serve]'") from None
    settings = settings_from_args(args)
    options = ServeOptions(upstream=args.upstream.rstrip("/") if args.upstream else None, mode=args.mode,
                           note=bool(args.note), workers=args.workers, queue=args.queue, keepalive=args.keepalive)
    proxy = Proxy(settings, options)
    try:
        progress.note("loading the model and the analyzers")
        proxy.start()
        app = create_app(settings, options, proxy=proxy)
        print(f"safegen serve: http://{args.host}:{args.port}/v1 ({options.mode}, strategy {settings.strategy}, "
              f"answers from {options.upstream or proxy.model_name})", file=sys.stderr, flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=5)
    finally:
        proxy.close()
        from safegen.cli.generate import _unload_models

        _unload_models()
    return 0
