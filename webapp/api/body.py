"""Reading a JSON request body: the one place the API turns bytes into data.

Every refusal is a 422 in the API's error shape, never a 500: bytes that are not
UTF-8, text that is not JSON (``NaN`` and numbers too large for a float included),
nesting deeper than any form needs (50,000 levels used to exhaust the parser's
stack), text the database cannot store (lone surrogates, NUL), and a body that
breaks the request schema the OpenAPI document declares for the operation, so the
document and the checks cannot drift apart. A call whose operation documents no body
takes none: a body with fields is refused naming each, as an unknown field of any
other body is (an empty JSON object, or nothing, is fine).
"""
from __future__ import annotations

import json
import math

from flask import request

from webapp.api.documented import documented_operation
from webapp.api.openapi import SCHEMAS
from workflows.errors import FieldError, InvalidInput
from workflows.forms import validation as forms

# Forms are flat: a body is {"data": {"field": ["choice"]}}, three levels. Sixteen is generous.
MAX_DEPTH = 16


def json_body(schema_name: str) -> dict:
    """The request body as a JSON object that satisfies the document's ``schema_name``."""
    if not request.is_json:
        raise _refused("Send the body as JSON, with the header Content-Type: application/json.")
    return forms.validate(SCHEMAS[schema_name], _json_object())


def refuse_a_body_where_none_is_taken() -> None:
    """Before each API call that may carry a body: 422 when its operation documents none and the
    request has one, naming each field (claim, release, remind and close take nothing)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    operation = documented_operation()
    if operation is None or "requestBody" in operation or not request.get_data(cache=True):
        return
    if not request.is_json:
        raise _refused("This call takes no body; send none (or an empty JSON object).")
    fields = sorted(_json_object())
    if fields:
        raise InvalidInput([FieldError(name, f"'{name}' is not a field of this call; it takes no body.")
                            for name in fields])


def _json_object() -> dict:
    """The request body parsed as a JSON object, refused (422) if it is anything else."""
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refused(f"The request body is not UTF-8 text (byte {error.start} cannot be read).") from None
    try:
        body = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        raise _refused(f"The request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise _refused("The request body must be a JSON object.")
    if forms.json_depth(body, MAX_DEPTH) > MAX_DEPTH:
        raise _too_deep()
    unstorable = forms.unstorable_text(body)
    if unstorable:
        raise InvalidInput(unstorable)
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is too large a number")
    return number


def _too_deep() -> InvalidInput:
    return _refused(f"The request body nests arrays and objects too deeply (at most {MAX_DEPTH} levels).")


def _refused(message: str) -> InvalidInput:
    return InvalidInput([FieldError(None, message)])
