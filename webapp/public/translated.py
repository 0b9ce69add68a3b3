"""A published policy in another language: the translated sections with the same document
control and status notices, marked when it translates an earlier version."""
from __future__ import annotations

import re

from flask import abort, render_template

from webapp.context import services
from webapp.public.blueprint import bp, copy_of
from workflows.policies import translations

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")


@bp.route("/published/<id:policy_id>/<language>")
def translation(policy_id: int, language: str):
    if not _LANGUAGE.match(language):
        abort(404, f"{language} is not a language code.")
    copy = copy_of(policy_id)
    with services().database.reading() as session:
        translated = translations.public_translation(session, policy_id, language)
    headings = {s["id"]: s["heading"] for s in copy.version.content.get("sections", [])}
    return render_template("published_translation.html", copy=copy, version=copy.version, entries=copy.entries,
                           latest=copy.latest, status=copy.status, translation=translated, headings=headings)
