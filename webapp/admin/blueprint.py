"""The administration pages' blueprint: signed-in admins only."""
from flask import Blueprint, abort
from flask_login import current_user

from webapp.signin.auth import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if "admin" not in current_user.actor.roles:
        abort(403, "These pages are for people with the admin role.")
    return None
