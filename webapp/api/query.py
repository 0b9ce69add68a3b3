"""Query parameters: an API call may carry only those its operation documents.

A misspelt parameter (``?limt=10``) silently ignored gives a client the wrong
answer without a word; refusing it names the mistake. So does a parameter given
twice (``?limit=1&limit=2``), which would otherwise be read as one of its values. The allowed names come
from the OpenAPI document, so the document and the check cannot drift apart.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask import request

from webapp.api.openapi import document
from workflows.errors import FieldError, InvalidInput

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@lru_cache(maxsize=1)
def _documented() -> dict[tuple[str, str], frozenset[str]]:
    allowed = {}
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            allowed[(path, method.upper())] = frozenset(names)
    return allowed


def refuse_undocumented_parameters() -> None:
    """Before each API call: 422 naming any query parameter its operation does not take."""
    if request.url_rule is None or request.endpoint == "api.openapi":
        return
    path = _CONVERTER.sub(r"{\1}", request.url_rule.rule.removeprefix(API_PREFIX))
    allowed = _documented().get((path, request.method))
    if allowed is None:
        return
    unknown = sorted(set(request.args) - allowed)
    takes = f"; it takes {', '.join(sorted(allowed))}" if allowed else "; it takes none"
    errors = [FieldError(name, f"'{name}' is not a query parameter of this call{takes}.") for name in unknown]
    # ?limit=1&limit=2 would be read as its first value: say so instead of picking one.
    errors += [FieldError(name, f"'{name}' is given {len(request.args.getlist(name))} times; give it once.")
               for name in sorted(set(request.args) & allowed) if len(request.args.getlist(name)) > 1]
    if errors:
        raise InvalidInput(errors)
