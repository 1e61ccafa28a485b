"""Benchmark reports: strategies side by side as Markdown, JSON and a static HTML page with inline SVG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from safegen.bench.report.html import render_html
from safegen.bench.report.jsonout import render_json
from safegen.bench.report.markdown import render_markdown
from safegen.bench.report.summary import Report, RunSummary, build_report

RENDERERS = {"markdown": render_markdown, "json": render_json, "html": render_html}
SUFFIXES = {"markdown": "md", "json": "json", "html": "html"}

__all__ = ["RENDERERS", "Report", "RunSummary", "build_report", "render", "write_all"]


def render(report: Report, fmt: str) -> str:
    return RENDERERS[fmt](report)


def write_all(report: Report, folder: Path, stem: str = "report") -> list[Path]:
    """report.md, report.json and report.html in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, suffix in SUFFIXES.items():
        path = folder / f"{stem}.{suffix}"
        path.write_text(render(report, fmt), encoding="utf-8")
        paths.append(path)
    return paths
