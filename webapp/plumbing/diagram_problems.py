"""Problems found in diagram files, as JSON: one shape for the studio's pages and its API."""
from __future__ import annotations

from dataclasses import asdict


def problems_json(problems) -> list[dict]:
    return [{"file": p.file, "line": p.line, "element": p.element, "message": p.message} for p in problems]


def check_json(report) -> dict:
    """A check's answer: whether it passed, its errors and warnings, and the routes it ran."""
    return {"ok": report.ok, "errors": problems_json(report.errors),
            "paths": [asdict(path) for path in report.paths], "warnings": problems_json(report.warnings)}
