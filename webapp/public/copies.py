"""Published policies as PDFs: the document (every version) and its large-print copy.

Each PDF carries the status on the day it is made (see ``pdf``'s docstring for why
a kept copy is never served once the status changed); browsers and proxies are told
to check again every time (``no-cache`` with an ETag of the same key).
"""
from __future__ import annotations

import hashlib

from flask import Response, render_template, request

from webapp.public import pdf
from webapp.public.blueprint import bp, copy_of
from workflows.policies.document_control import label_of


def _file_name(policy_id: int, copy, suffix: str = "") -> str:
    """The name a reader's download is saved under: the version the document says ("1.1"), not the
    count of published versions in its address (``v2``), so the file and its contents agree."""
    return f"policy-{policy_id}-version-{label_of(copy.version.content, copy.version.number)}{suffix}.pdf"


def _pdf(copy, kind: str, name: str) -> Response:
    key = (copy.version.id, copy.status.key)
    body = pdf.cached(key, kind, lambda: render_template(
        "published_pdf.html", copy=copy, version=copy.version, entries=copy.entries, latest=copy.latest,
        status=copy.status, large_print=kind == "large-print"))
    response = Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-cache"})
    response.set_etag(hashlib.sha256(repr((kind, key)).encode()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.route("/published/<id:policy_id>.pdf")
@bp.route("/published/<id:policy_id>/v<id:number>.pdf", endpoint="version_pdf")
def policy_pdf(policy_id: int, number: int | None = None):
    copy = copy_of(policy_id, number)
    return _pdf(copy, "document", _file_name(policy_id, copy))


@bp.route("/published/<id:policy_id>/large-print.pdf")
def large_print_pdf(policy_id: int):
    copy = copy_of(policy_id)
    return _pdf(copy, "large-print", _file_name(policy_id, copy, "-large-print"))
