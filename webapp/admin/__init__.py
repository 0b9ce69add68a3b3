"""Administration in the browser (role ``admin``): people, departments, API tokens and the mail outbox.

Plain HTML forms that work without JavaScript; each view calls the services in
workflows (accounts, administration, the outbox), as the command line does.
"""
from flask import Blueprint, abort
from flask_login import current_user

from ..auth import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if "admin" not in current_user.actor.roles:
        abort(403, "These pages are for people with the admin role.")
    return None


from . import departments, home, invitations, outbox, users  # noqa: E402,F401  (register the routes on bp)
