"""The API's blueprint (/api/v1); every request's parameters, and the body of a call that takes
none, are checked against the OpenAPI document first."""
from flask import Blueprint

from webapp.api.body import refuse_a_body_where_none_is_taken
from webapp.api.query import refuse_undocumented_parameters

bp = Blueprint("api", __name__, url_prefix="/api/v1")  # also API_PREFIX in documented.py
bp.before_request(refuse_undocumented_parameters)
bp.before_request(refuse_a_body_where_none_is_taken)
