"""The site's icon at /favicon.ico, where every browser asks for it first."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response

bp = Blueprint("favicon", __name__)
ICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


@lru_cache(maxsize=1)
def _icon() -> bytes:
    return ICON.read_bytes()


@bp.get("/favicon.ico")
def favicon():
    response = Response(_icon(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    return response
