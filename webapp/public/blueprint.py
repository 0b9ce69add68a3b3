"""The public pages' blueprint, and the one way they read a published version."""
from __future__ import annotations

from flask import Blueprint

from webapp.context import services
from workflows.policies import public_copies

bp = Blueprint("public", __name__)


def copy_of(policy_id: int, number: int | None = None) -> public_copies.PublicCopy:
    """Version ``number`` of a published policy (the latest without it), with its status today."""
    with services().database.reading() as session:
        return public_copies.read(session, policy_id, number, services().clock().date())
