"""API routes for recording preferences: one's own, and a department's for its managers."""
from __future__ import annotations

from flask import g, jsonify

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.context import services
from webapp.plumbing.paging import requested_page


@bp.get("/me/recording-preferences")
@require_token
def own_recording_preferences():
    return jsonify(services().recording_preferences.own(g.actor))


@bp.put("/me/recording-preferences")
@require_token
def set_own_recording_preferences():
    """Replace one's own entry: a field left out has no answer."""
    body = json_body("RecordingPreferencesChange")
    return jsonify(services().recording_preferences.set_own(g.actor, body, source="api"))


@bp.get("/departments/<name>/recording-preferences")
@require_token
def department_recording_preferences(name: str):
    page = requested_page()
    return jsonify(services().recording_preferences.of_department(g.actor, name, page.offset, page.limit))
