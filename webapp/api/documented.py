"""The OpenAPI document's description of the call being answered.

What a call takes (its query parameters, whether it has a body) is read from the
document, so the checks that refuse anything else (``query.py``, ``body.py``) and
the document cannot drift apart.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask import request

from webapp.api.openapi import document

API_PREFIX = "/api/v1"  # also the blueprint's url_prefix
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@lru_cache(maxsize=1)
def _operations() -> dict[tuple[str, str], dict]:
    return {(path, method.upper()): operation
            for path, operations in document()["paths"].items() for method, operation in operations.items()}


def documented_operation() -> dict | None:
    """The document's operation for this request; None for a call it does not describe
    (the document itself, or an address no route answers)."""
    if request.url_rule is None or request.endpoint == "api.openapi":
        return None
    path = _CONVERTER.sub(r"{\1}", request.url_rule.rule.removeprefix(API_PREFIX))
    return _operations().get((path, request.method))
