"""What every page and API route reaches for: the app's services and its CSRF protection.

Kept apart from the app factory so that the blueprints can import it while the
factory imports the blueprints, without an import circle.
"""
from __future__ import annotations

from flask import current_app
from flask_wtf.csrf import CSRFProtect

from workflows.wiring import Services

csrf = CSRFProtect()


def services() -> Services:
    """The services of the app serving this request (built once per process by ``create_app``)."""
    return current_app.extensions["policyflow"]
