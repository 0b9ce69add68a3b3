"""The API's blueprint (/api/v1); every request's parameters are checked against the OpenAPI document first."""
from flask import Blueprint

from webapp.api.query import refuse_undocumented_parameters

bp = Blueprint("api", __name__, url_prefix="/api/v1")  # also API_PREFIX in query.py
bp.before_request(refuse_undocumented_parameters)
