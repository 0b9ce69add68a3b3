"""API routes around a policy's steps: close the consultation, suspend, resume, withdraw,
acknowledgements and incidents."""
from __future__ import annotations

from flask import g, jsonify, url_for

from webapp.api.auth import require_token
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.context import services


def _policy(policy_id: int):
    return jsonify(services().queries.policy(g.actor, policy_id))


@bp.post("/policies/<id:policy_id>/consultation/close")
@require_token
def close_consultation(policy_id: int):
    services().lifecycle.close_consultation(g.actor, policy_id)
    return _policy(policy_id)


@bp.post("/policies/<id:policy_id>/suspend")
@require_token
def suspend(policy_id: int):
    services().lifecycle.suspend(g.actor, policy_id, json_body("Reason").get("reason"))  # permission first, then the reason
    return _policy(policy_id)


@bp.post("/policies/<id:policy_id>/resume")
@require_token
def resume(policy_id: int):
    services().lifecycle.resume(g.actor, policy_id, json_body("Reason").get("reason"))
    return _policy(policy_id)


@bp.post("/policies/<id:policy_id>/withdraw")
@require_token
def withdraw(policy_id: int):
    services().lifecycle.withdraw(g.actor, policy_id, json_body("Reason").get("reason"))  # permission first, then the reason
    return _policy(policy_id)


@bp.get("/policies/<id:policy_id>/acknowledgements")
@require_token
def acknowledgements(policy_id: int):
    return jsonify(services().queries.acknowledgements(g.actor, policy_id))


@bp.get("/policies/<id:policy_id>/incidents")
@require_token
def incidents(policy_id: int):
    return jsonify([incident.as_dict() for incident in services().incidents.of_policy(g.actor, policy_id)])


@bp.post("/policies/<id:policy_id>/incidents")
@require_token
def report_incident(policy_id: int):
    incident = services().incidents.report(g.actor, policy_id, json_body("IncidentFields"))  # the service checks each field, naming it
    return jsonify(incident.as_dict()), 201, {"Location": url_for("api.incidents", policy_id=policy_id)}
