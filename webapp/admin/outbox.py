"""The mail outbox: what waits, what failed, and retrying it."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from webapp.admin.blueprint import bp
from webapp.context import services
from webapp.signin.auth import actor
from workflows.notifications import outbox
from workflows.storage import audit


@bp.get("/outbox")
def outbox_index():
    with services().database.reading() as session:
        attention = outbox.listing(session, outbox.ATTENTION)
        waiting = outbox.listing(session, ("pending", "sending"))
        sent = outbox.listing(session, ("sent",), limit=50)
        counts = outbox.counts(session)
    return render_template("admin/outbox.html", attention=attention, waiting=waiting, sent=sent, counts=counts,
                           smtp=bool(services().mail_settings.smtp_url))


@bp.post("/outbox/<id:message_id>/retry")
def outbox_retry(message_id: int):
    with services().database.transaction() as session:
        row = outbox.retry(session, message_id, services().clock())
        audit.record(session, at=services().clock(), actor=actor().username, action="mail_retried",
                     data={"message": message_id, "to": row.recipient})
    flash(f"Message {message_id} to {row.recipient} will be sent again.", "success")
    return redirect(url_for("admin.outbox_index"))
