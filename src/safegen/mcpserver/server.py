"""The MCP server (official SDK, FastMCP): safegen's tools over stdio or streamable HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import anyio
from mcp.server.fastmcp import FastMCP
from pydantic import Field

from safegen.config import Settings
from safegen.mcpserver.tools import (
    AttackResult,
    FuzzResult,
    HardenResult,
    ScanResult,
    ToolBox,
)

INSTRUCTIONS = ("safegen checks and hardens Python code: scan_code reports weaknesses with CWE, line and fix; "
                "harden_code repairs vulnerable code with an LLM and the analyzers; fuzz_function runs one "
                "function on generated inputs inside a sandbox; attack_function sends exploit probes to the "
                "code's functions and web routes inside a sandbox and reports the exploits it confirmed.")
Code = Annotated[str, Field(description="Python source code")]


def register_core_tools(server: FastMCP, box: ToolBox) -> None:
    """scan_code, harden_code and fuzz_function; each runs in a worker thread, off the event loop."""

    @server.tool(description="Scan Python code with bandit, semgrep (safegen's rules) and ruff; findings with "
                             "CWE, line and fix. status 'unknown' means an analyzer failed (not secure).")
    async def scan_code(code: Code, path: Annotated[str, Field(description="file name shown in findings")]
                        = "code.py") -> ScanResult:
        return await anyio.to_thread.run_sync(box.scan_code, code, path)

    @server.tool(description="Harden Python code: when the analyzers find weaknesses, the configured strategy "
                             "repairs it with the LLM; returns the code (unchanged when clean) and the findings "
                             "before and after.")
    async def harden_code(code: Code, requirement: Annotated[str, Field(
            description="what the code must do (keeps repairs on task)")] = "") -> HardenResult:
        return await anyio.to_thread.run_sync(box.harden_code, code, requirement)

    @server.tool(description="Fuzz one function of the code inside a bubblewrap sandbox; defects (exceptions, "
                             "hangs, memory, escapes) with CWE, line, the input and a fix.")
    async def fuzz_function(code: Code, function: Annotated[str, Field(description="the function to fuzz")],
                            seconds: Annotated[float | None, Field(description="time budget (default 30)")]
                            = None) -> FuzzResult:
        return await anyio.to_thread.run_sync(box.fuzz_function, code, function, seconds)


def register_attack_tools(server: FastMCP, box: ToolBox) -> None:
    """attack_function: safegen's attack stage (generic exploit probes, no model), in a worker thread."""

    @server.tool(description="Attack Python code inside a bubblewrap sandbox: exploit probes chosen from its sinks "
                             "and the requirement (path traversal, OS command, SQL, eval, deserialization, XXE, "
                             "SSRF, open redirect, XSS, header injection, ReDoS, missing authorization, ...) sent "
                             "to its functions and Flask/FastAPI/Django routes. Each exploit an oracle confirmed "
                             "comes with CWE, line, the input and evidence that reproduce it, and a fix. "
                             "survived is true only when nothing was confirmed and no probe was left undecided. "
                             "With fix, the mechanical fix of each confirmed exploit that has one is applied and "
                             "kept only if the code, attacked again, has fewer exploits and answers ordinary input "
                             "as before: fixed_code holds the result and the report describes it.")
    async def attack_function(code: Code, function: Annotated[str | None, Field(
            description="attack only this function or route handler (default: every public one)")] = None,
                              requirement: Annotated[str, Field(
            description="what the code must do (selects probes by topic)")] = "",
                              fix: Annotated[bool, Field(
            description="also apply the verified mechanical fixes of the confirmed exploits")] = False
                              ) -> AttackResult:
        return await anyio.to_thread.run_sync(box.attack_function, code, function, requirement, fix)


# Each entry registers tools on the server: a function (server, box) -> None.
TOOL_SETS: tuple[Callable[[FastMCP, ToolBox], None], ...] = (register_core_tools, register_attack_tools)


def build_server(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> tuple[FastMCP, ToolBox]:
    """The server with every tool set registered, and the tools to close when it stops."""
    box = ToolBox(settings)
    server = FastMCP("safegen", instructions=INSTRUCTIONS, host=host, port=port)
    for register in TOOL_SETS:
        register(server, box)
    return server, box
