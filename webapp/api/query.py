"""Query parameters: an API call may carry only those its operation documents.

A misspelt parameter (``?limt=10``) silently ignored gives a client the wrong
answer without a word; refusing it names the mistake. So does a parameter given
twice (``?limit=1&limit=2``), which would otherwise be read as one of its values. The allowed names come
from the OpenAPI document, so the document and the check cannot drift apart.
"""
from __future__ import annotations

from flask import request

from webapp.api.documented import documented_operation
from workflows.errors import FieldError, InvalidInput


def refuse_undocumented_parameters() -> None:
    """Before each API call: 422 naming any query parameter its operation does not take."""
    operation = documented_operation()
    if operation is None:
        return
    allowed = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    unknown = sorted(set(request.args) - allowed)
    takes = f"; it takes {', '.join(sorted(allowed))}" if allowed else "; it takes none"
    errors = [FieldError(name, f"'{name}' is not a query parameter of this call{takes}.") for name in unknown]
    # ?limit=1&limit=2 would be read as its first value: say so instead of picking one.
    errors += [FieldError(name, f"'{name}' is given {len(request.args.getlist(name))} times; give it once.")
               for name in sorted(set(request.args) & allowed) if len(request.args.getlist(name)) > 1]
    if errors:
        raise InvalidInput(errors)
