"""API routes for translations of a published policy's public document."""
from __future__ import annotations

from flask import g, jsonify, url_for

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.context import services


@bp.get("/policies/<id:policy_id>/translations")
@require_token
def translations(policy_id: int):
    return jsonify([t.as_dict() for t in services().translations.of_policy(g.actor, policy_id)])


@bp.post("/policies/<id:policy_id>/translations")
@require_token
def add_translation(policy_id: int):
    added = services().translations.add(g.actor, policy_id, json_body("TranslationFields"))  # permission first, then each field
    return jsonify(added.as_dict()), 201, {
        "Location": url_for("public.translation", policy_id=policy_id, language=added.language)}
