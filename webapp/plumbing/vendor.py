"""Serves the bpmn-js viewer bundle installed by npm (the only JavaScript the pages need)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.route("/bpmn-js/<path:filename>")
def bpmn_js(filename: str):
    root = Path(current_app.config["VENDOR_DIR"]) / "bpmn-js" / "dist"
    if not root.is_dir():
        abort(404, "The diagram viewer is not installed; run the README's set-up command (npm ci).")
    return send_from_directory(root, filename, max_age=3600)
