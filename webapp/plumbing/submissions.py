"""What every HTML form post and query string must hold before a view sees it: storable text.

A posted field with a NUL character (``%00``) reached PostgreSQL, which cannot
store it in text and failed the request with a 500 (a policy title, a username at
sign-in). Browsers never send one, so this is a crafted request; it is refused
with a 422 naming the field, for every page at once. JSON bodies are checked where
the API reads them (``webapp/api/body.py``), task answers again by the form check
in ``workflows/forms/validation.py``; all three use its ``unstorable_text``.
"""
from __future__ import annotations

from flask import request

from workflows.errors import InvalidInput
from workflows.forms.validation import unstorable_text


def init_app(app) -> None:
    app.before_request(refuse_unstorable_text)


def refuse_unstorable_text() -> None:
    """Raise InvalidInput (422) if a form field or query parameter cannot be stored."""
    submitted = {name: request.args.getlist(name) for name in request.args}
    if request.method == "POST" and not request.path.startswith("/api/"):  # the API reads JSON, not forms
        submitted.update({name: request.form.getlist(name) for name in request.form})
    errors = unstorable_text(submitted)
    if errors:
        raise InvalidInput(errors)
