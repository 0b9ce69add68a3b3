"""The JSON API (/api/v1): a contract for other tools, over the same services as the pages.

Callers authenticate with ``Authorization: Bearer TOKEN``; errors are always
``{"errors": [{"field": ..., "message": ...}]}``.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")  # also API_PREFIX in query.py

from . import assignments, designer_routes, lifecycle, routes  # noqa: E402,F401  (register the routes on bp)
from .query import refuse_undocumented_parameters  # noqa: E402

bp.before_request(refuse_undocumented_parameters)
