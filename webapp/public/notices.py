"""What reaches patients before the scan, from the latest published version: the notices page
(letter paragraph, text message, booking line), the A4 poster and the short link they carry."""
from __future__ import annotations

import hashlib

import segno
from flask import Response, redirect, render_template, request, url_for
from markupsafe import Markup

from webapp.context import services
from webapp.public import pdf
from webapp.public.blueprint import bp, copy_of
from workflows.policies import patient_notices, public_status


def _notices(copy):
    base = services().mail_settings.base_url.rstrip("/")
    page_url = base + url_for("public.policy", policy_id=copy.version.policy_id)
    short_url = base + url_for("public.short_link", policy_id=copy.version.policy_id)
    version = copy.version
    applies = not any(notice.kind in (public_status.SUSPENDED, public_status.WITHDRAWN)
                      for notice in copy.status.notices)
    return page_url, patient_notices.compose(title=version.title, department=version.department,
                                             content=version.content, page_url=page_url, short_url=short_url,
                                             applies=applies)


@bp.route("/p/<id:policy_id>")
def short_link(policy_id: int):
    """The short link printed in text messages and on posters."""
    return redirect(url_for("public.policy", policy_id=policy_id))


@bp.route("/published/<id:policy_id>/notices")
def notices(policy_id: int):
    copy = copy_of(policy_id)
    _page_url, texts = _notices(copy)
    return render_template("published_notices.html", copy=copy, version=copy.version, status=copy.status,
                           notices=texts, sms_limit=patient_notices.SMS_LIMIT)


@bp.route("/published/<id:policy_id>/poster.pdf")
def poster(policy_id: int):
    copy = copy_of(policy_id)
    page_url, texts = _notices(copy)
    key = (copy.version.id, copy.status.key, page_url)

    def html() -> str:
        code = segno.make(page_url, error="m").svg_inline(scale=5, border=0, title=f"QR code: {page_url}")
        return render_template("published_poster.html", copy=copy, version=copy.version, status=copy.status,
                               notices=texts, page_url=page_url, qr_code=Markup(code))  # noqa: S704 - segno's own SVG
    response = Response(pdf.cached(key, "poster", html), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="policy-{policy_id}-poster.pdf"', "Cache-Control": "no-cache"})
    response.set_etag(hashlib.sha256(repr(("poster", key)).encode()).hexdigest()[:32])
    return response.make_conditional(request)
