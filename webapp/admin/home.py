"""The administration start page: what there is to look after."""
from __future__ import annotations

from flask import render_template

from webapp.admin.blueprint import bp
from webapp.context import services
from workflows.notifications import outbox


@bp.get("/")
def index():
    with services().database.reading() as session:
        mail = outbox.counts(session)
    people = services().accounts.people()
    return render_template("admin/index.html", mail=mail, people=people,
                           departments=services().accounts.departments(),
                           smtp=bool(services().mail_settings.smtp_url))
