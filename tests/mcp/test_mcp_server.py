"""`safegen mcp` through the official MCP SDK's own client: over stdio (each tool) and streamable HTTP."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.serve.servers import (
    CLEAN_CODE,
    VULN_CODE,
    Upstream,
    free_port,
    safegen_command,
)

TIMEOUT = 240
DIVIDE = "def ratio(total: int, count: int) -> int:\n    return total // count\n"
FIND_USER = """import sqlite3


def find_user(name: str) -> list:
    conn = sqlite3.connect(":memory:")
    return conn.execute("SELECT id FROM users WHERE name = '%s'" % name).fetchall()
"""
GREETING = "import os\n\n\ndef greet(name: str) -> int:\n    return os.system('echo Hello, ' + name)\n"
FIND_USER_FIXED = FIND_USER.replace("""'%s'" % name)""", """?", (name,))""")


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


def stdio_params(*args: str) -> StdioServerParameters:
    command = safegen_command()
    return StdioServerParameters(command=command[0], args=[*command[1:], "mcp", *args],
                                 env={**os.environ, "SAFEGEN_RETRIES": "0"})


def with_session(params: StdioServerParameters, body: Callable[[ClientSession], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        with anyio.fail_after(TIMEOUT):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return anyio.run(main)


@pytest.fixture(scope="module")
def results(upstream: Upstream) -> dict[str, Any]:
    """One stdio server for every call (starting it costs more than the calls)."""
    async def calls(session: ClientSession) -> dict[str, Any]:
        return {
            "tools": (await session.list_tools()).tools,
            "scan": await session.call_tool("scan_code", {"code": VULN_CODE, "path": "digest.py"}),
            "clean": await session.call_tool("scan_code", {"code": CLEAN_CODE}),
            "empty": await session.call_tool("scan_code", {"code": "  "}),
            "harden": await session.call_tool("harden_code", {"code": VULN_CODE,
                                                              "requirement": "Write digest(data) -> hex str"}),
            "fuzz": await session.call_tool("fuzz_function", {"code": DIVIDE, "function": "ratio", "seconds": 10}),
            "attack": await session.call_tool("attack_function", {"code": FIND_USER, "function": "find_user",
                                                                  "requirement": "Find a user by name"}),
            "attack_fixed": await session.call_tool("attack_function", {"code": FIND_USER_FIXED}),
            "attack_missing": await session.call_tool("attack_function", {"code": FIND_USER, "function": "nope"}),
            "attack_fix": await session.call_tool("attack_function", {"code": GREETING, "fix": True}),
        }

    return dict(with_session(stdio_params("--backend", "openai", "--base-url", upstream.url, "--model", "tiny",
                                          "--strategy", "franc", "--samples", "1", "--max-rounds", "1"), calls))


def test_tools_are_listed_with_output_schemas(results: dict[str, Any]) -> None:
    tools = {t.name: t for t in results["tools"]}
    assert {"scan_code", "harden_code", "fuzz_function", "attack_function"} <= set(tools)
    for tool in tools.values():
        assert tool.outputSchema and tool.description
    assert "code" in tools["scan_code"].inputSchema["required"]


def test_scan_code_returns_findings_with_cwe_line_and_fix(results: dict[str, Any]) -> None:
    scan = results["scan"]
    assert not scan.isError
    data = scan.structuredContent
    assert data["status"] == "vulnerable"
    [finding] = [f for f in data["findings"] if f["cwe"] == 328]
    assert finding["line"] == 5 and "sha256" in finding["fix"] and finding["rule_id"] == "B324"
    assert results["clean"].structuredContent == {"status": "secure", "findings": [], "errors": []}


def test_bad_input_is_a_tool_error(results: dict[str, Any]) -> None:
    assert results["empty"].isError and "empty" in results["empty"].content[0].text


def test_harden_code_repairs_through_the_model(results: dict[str, Any], upstream: Upstream) -> None:
    data = results["harden"].structuredContent
    assert data["changed"] is True and data["code"] == CLEAN_CODE
    assert data["status_before"] == "vulnerable" and data["status_after"] == "secure"
    assert [f["cwe"] for f in data["findings_before"]] == [328] and data["findings_after"] == []
    assert data["llm_calls"] == 1
    assert any(any(m["role"] == "assistant" for m in r["messages"]) for r in upstream.requests)


def test_fuzz_function_finds_the_division_by_zero(results: dict[str, Any]) -> None:
    data = results["fuzz"].structuredContent
    assert data["target"] == "ratio" and data["executions"] > 0
    defect = next(d for d in data["defects"] if "ZeroDivisionError" in d["message"])
    assert defect["kind"] == "exception" and defect["cwe"] == 248 and defect["line"] == 2 and defect["fix"]


def test_attack_function_confirms_the_injection_with_a_reproducer_and_a_fix(results: dict[str, Any]) -> None:
    assert not results["attack"].isError
    data = results["attack"].structuredContent
    assert data["survived"] is False and data["errors"] == [] and data["targets"] == ["find_user"]
    [exploit] = data["exploits"]
    assert (exploit["probe"], exploit["cwe"], exploit["line"], exploit["source"]) == ("sql-injection", 89, 6, "generic")
    assert exploit["input"].startswith("find_user(") and "sgx_probe()" in exploit["evidence"]
    assert exploit["reproducer"].startswith("# safegen attack: sql-injection (CWE-89) at code.py:6")
    assert "parameterized" in exploit["fix"]


def test_attack_function_lets_the_fixed_twin_survive(results: dict[str, Any]) -> None:
    data = results["attack_fixed"].structuredContent
    assert data["survived"] is True and data["exploits"] == [] and data["errors"] == []
    assert data["probes"] == ["sql-injection"] and data["executions"] > 0


def test_attack_function_on_a_missing_function_fails_closed(results: dict[str, Any]) -> None:
    data = results["attack_missing"].structuredContent
    assert data["survived"] is False and data["exploits"] == [] and "nope" in data["errors"][0]


def test_streamable_http_transport() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([*safegen_command(), "mcp", "--transport", "http", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            _check_http(proc, url)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _check_http(proc: subprocess.Popen[bytes], url: str) -> None:
    """Wait (bounded) for the server to listen, then call scan_code through the SDK's HTTP client."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "safegen mcp --transport http exited"
        try:
            httpx.get(url, timeout=2)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "safegen mcp did not start in time"
            time.sleep(0.2)

    async def main() -> Any:
        with anyio.fail_after(TIMEOUT):
            async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("scan_code", {"code": VULN_CODE})

    result = anyio.run(main)
    assert result.structuredContent["status"] == "vulnerable"


def test_attack_function_can_return_the_verified_fix(results: dict[str, Any]) -> None:
    data = results["attack_fix"].structuredContent
    assert data["fixed"] == ["command-injection in greet"] and data["left"] == []
    assert "name = _safegen_shell_word(name)" in data["fixed_code"]
    assert data["survived"] is True and data["exploits"] == []  # the report describes the fixed code
