"""Runs inside the codeshield judge venv (never imports safegen): Meta's Insecure Code Detector on a batch.

Input (stdin, JSON): {"files": ["/abs/item_00000.py", ...]}. Output (stdout, JSON):
{"files": {path: {"issues": [...], "error": str | null}}, "semgrep": version}.

Why not ``insecure_code_detector.analyze``: it runs one semgrep per file and passes ``--project-root /``,
with which semgrep newer than 1.97 scans nothing and reports no error, so the semgrep half silently
finds nothing. Here the same rules run the same way, once for the whole batch, without that argument,
and every file semgrep did not scan is an error (fail closed), not a clean result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def _regex_issues(code: str) -> list[dict[str, Any]]:
    from codeshield.insecure_code_detector import insecure_code_detector as icd
    from codeshield.insecure_code_detector import insecure_patterns
    from codeshield.insecure_code_detector.analyzers import Analyzer
    from codeshield.insecure_code_detector.languages import Language
    from codeshield.insecure_code_detector.usecases import UseCase

    patterns = insecure_patterns.load(Language.PYTHON, Analyzer.REGEX, UseCase.CYBERSECEVAL)
    issues = icd._run_regex(code, patterns)
    return [{"analyzer": "regex", "pattern_id": i.pattern_id or "", "cwe_id": i.cwe_id or "",
             "severity": str(i.severity), "line": i.line or 0, "description": i.description or ""} for i in issues]


def _semgrep(paths: list[str], timeout: float) -> tuple[dict[str, list[dict[str, Any]]], set[str], str]:
    from codeshield.insecure_code_detector import oss
    from codeshield.insecure_code_detector.languages import Language
    from codeshield.insecure_code_detector.usecases import UseCase

    config = oss.SEMGREP_RULE_REPO_PATH / "_generated_" / f"{Language.PYTHON.value}_{UseCase.CYBERSECEVAL.value}.json"
    if not config.exists():
        raise RuntimeError(f"codeshield rules not found at {config}")
    command = [*oss.SEMGREP_COMMAND, str(config), *paths]  # SEMGREP_COMMAND ends with "--config"
    proc = subprocess.run(command, capture_output=True, timeout=timeout)
    text = proc.stdout.decode("utf-8", "replace")
    start = text.find("{")
    if start < 0:
        raise RuntimeError(f"semgrep printed no JSON (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace')[-300:]}")
    data = json.loads(text[start:])
    found: dict[str, list[dict[str, Any]]] = {p: [] for p in paths}
    for result in data.get("results", []):
        extra = result.get("extra", {})
        path = result.get("path", "")
        if path in found:
            found[path].append({"analyzer": "semgrep", "pattern_id": result.get("check_id", ""),
                                "cwe_id": extra.get("metadata", {}).get("cwe_id", ""),
                                "severity": extra.get("severity", ""),
                                "line": result.get("start", {}).get("line", 0),
                                "description": extra.get("message", "")})
    scanned = set(data.get("paths", {}).get("scanned", []))
    return found, scanned, str(data.get("version", ""))


def main() -> int:
    request = json.load(sys.stdin)
    paths: list[str] = list(request["files"])
    timeout = float(request.get("timeout", 300))
    out: dict[str, dict[str, Any]] = {p: {"issues": [], "error": None} for p in paths}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                out[path]["issues"].extend(_regex_issues(handle.read()))
        except Exception as exc:  # one bad file never stops the batch; it is an error, not clean
            out[path]["error"] = f"regex analyzer failed: {exc}"
    version = ""
    try:
        found, scanned, version = _semgrep(paths, timeout)
    except Exception as exc:
        for path in paths:
            out[path]["error"] = f"semgrep failed: {exc}"
    else:
        for path in paths:
            out[path]["issues"].extend(found[path])
            if path not in scanned:
                out[path]["error"] = "semgrep did not scan the file"
    json.dump({"files": out, "semgrep": version}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
