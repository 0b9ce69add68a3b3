"""One place that turns errors into pages or JSON: explained, never a stack trace.

Expected refusals (401/403/404/409/422 and CSRF) are answered and not logged as
errors; only the unexpected is logged, with its traceback, for the operator.
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from workflows.errors import InvalidInput, PolicyflowError

TITLES = {400: "The request could not be understood", 401: "Please sign in", 403: "Not allowed",
          404: "Not found", 405: "Not allowed here", 409: "Already changed", 413: "Too large",
          422: "Please check what you entered", 500: "Something went wrong", 503: "Try again in a moment"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(status: int, message: str, errors: list[dict] | None = None):
    if wants_json():
        return jsonify({"errors": errors or [{"field": None, "message": message}]}), status
    return render_template("error.html", status=status, title=TITLES.get(status, "Error"), message=message), status


def init_app(app) -> None:
    @app.errorhandler(PolicyflowError)
    def _domain(error: PolicyflowError):
        if isinstance(error, InvalidInput):  # each message names its field already: a page shows just those
            return respond(error.http_status, " ".join(e.message for e in error.errors),
                           [e.as_dict() for e in error.errors])
        return respond(error.http_status, error.message)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return respond(400, "The form had expired or was missing its security token. Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 404 and error.description == NotFound.description:
            return respond(404, "There is no page at this address.")
        return respond(error.code or 500, str(error.description))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unexpected error on %s %s", request.method, request.path)
        return respond(500, "Something went wrong on our side. Nothing you entered was lost; please try again.")
