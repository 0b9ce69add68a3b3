"""Send what the outbox holds, safely from several processes at once, and retry with backoff.

Each message (or each person's digest) is claimed on its own with a conditional
update, ``pending → sending`` with a lease: of several senders only one wins a
message, whatever the database. Just before the SMTP DATA command the message is
marked as handed over (committed). A sender that stops (crash, kill, deploy)
leaves its claimed messages behind; once their lease ends, a message not yet
handed over goes back to the queue, and one that was is marked ``uncertain`` and
never sent again without an admin, so nothing is lost and nothing is sent twice.
A failure to reach the server, or a temporary refusal, is retried with backoff
(1, 2, 4 … minutes, at most an hour apart) until ``MAX_ATTEMPTS``; a permanent
refusal fails at once. Failed and uncertain messages are listed for admins.
"""
from __future__ import annotations

import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select, update

from workflows.notifications import messages
from workflows.notifications.settings import MailSettings
from workflows.notifications.smtp import Connection, Refused
from workflows.storage.database import Database
from workflows.storage.schema import OutboxMessage

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)
BATCH = 100
UNCERTAIN = ("The sender stopped while handing this message to the mail server, so it may have arrived. "
             "It is not sent again unless an admin retries it.")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    recovered: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retrying} to retry later, {self.failed} failed"
        if self.recovered or self.uncertain:
            text += f"; {self.recovered} taken back from a stopped sender, {self.uncertain} marked uncertain"
        return text


@dataclass(frozen=True)
class _Claimed:
    """One message to send: a single outbox row, or a person's digest of several rows."""

    ids: tuple[int, ...]
    recipient: str
    address: str | None
    subject: str
    body: str
    attempts: int


class MailSender:
    def __init__(self, database: Database, settings: MailSettings, clock):
        self._db, self._settings, self._clock = database, settings, clock
        self._token = secrets.token_hex(8)  # this sender's name on the messages it claims

    def send_due(self, limit: int = BATCH, retry_now: bool = False) -> SendReport:
        """Send every message due now (at most ``limit``); safe to run in several processes at once.
        ``retry_now``: also the messages waiting for their next try (not digests: they keep their time)."""
        server = self._settings.server()
        report = SendReport()
        self._recover(report)
        if retry_now:
            now = self._clock()
            with self._db.transaction() as session:
                session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending",
                                                            OutboxMessage.digest.is_(False),
                                                            OutboxMessage.next_attempt_at > now)
                                .values(next_attempt_at=now).execution_options(synchronize_session=False))
        connection = None
        try:
            for claimed in self._claims(limit):
                if not claimed.address:
                    self._failed(claimed, "No e-mail address is known for this person.", report, permanent=True)
                    continue
                try:
                    connection = connection or Connection(server)
                except (OSError, smtplib.SMTPException) as error:
                    self._failed(claimed, f"The mail server could not be reached: {error}", report)
                    continue
                connection = self._deliver(connection, claimed, report)
        finally:
            if connection is not None:
                connection.close()
        return report

    # --- claiming -------------------------------------------------------------------------

    def _claims(self, limit: int):
        """Claim due messages one at a time (a digest: all of one person's due items at once)."""
        for _ in range(limit):
            claimed = self._claim_next()
            if claimed is None:
                return
            yield claimed

    def _claim_next(self) -> _Claimed | None:
        for _ in range(BATCH):  # another sender may win the message we picked: pick again
            found, claimed = self._try_claim()
            if claimed is not None or not found:
                return claimed
        return None

    def _try_claim(self) -> tuple[bool, _Claimed | None]:
        """(whether a due message was found, the message we claimed or None if someone else did)."""
        now = self._clock()
        with self._db.transaction() as session:
            candidate = session.scalar(select(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1))
            if candidate is None:
                return False, None
            where = (OutboxMessage.id == candidate.id,) if not candidate.digest else (
                OutboxMessage.recipient == candidate.recipient, OutboxMessage.digest.is_(True))
            ids = list(session.scalars(
                update(OutboxMessage).where(*where, OutboxMessage.status == "pending",
                                            OutboxMessage.next_attempt_at <= now)
                .values(status="sending", claimed_by=self._token, lease_until=now + LEASE)
                .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
            if not ids:
                return True, None
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                        .order_by(OutboxMessage.id)))
        first = rows[0]
        if first.digest:
            mail = messages.digest(self._settings.link_base, first.recipient, [(r.subject, r.body) for r in rows])
            subject, body = mail.subject, mail.body
        else:
            subject, body = first.subject, first.body
        return True, _Claimed(tuple(r.id for r in rows), first.recipient, rows[-1].address, subject, body,
                              max(r.attempts for r in rows))

    # --- delivering -----------------------------------------------------------------------

    def _deliver(self, connection: Connection, claimed: _Claimed, report: SendReport) -> Connection | None:
        """Hand one message over; return the connection if it can carry the next one."""
        try:
            connection.prepare(self._settings.mail_from, claimed.address)
        except Refused as refused:
            self._failed(claimed, str(refused), report, permanent=refused.permanent)
            return connection
        except (OSError, smtplib.SMTPException) as error:
            self._failed(claimed, f"The mail server connection failed: {error}", report)
            connection.close()
            return None
        self._mark(claimed, handed_over_at=self._clock())
        try:
            connection.hand_over(self._email(claimed))
        except Refused as refused:
            self._failed(claimed, str(refused), report, permanent=refused.permanent)
            connection.abandon()
            return connection
        except (OSError, smtplib.SMTPException) as error:
            # The content may or may not have reached the server: never send it again on our own.
            self._mark(claimed, status="uncertain", last_error=f"{UNCERTAIN} ({error})", lease_until=None)
            report.uncertain += 1
            connection.close()
            return None
        self._mark(claimed, status="sent", sent_at=self._clock(), lease_until=None, last_error=None)
        report.sent += 1
        return connection

    def _email(self, claimed: _Claimed) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = claimed.address
        message["Subject"] = claimed.subject
        message["Date"] = format_datetime(self._clock())
        domain = self._settings.mail_from.rpartition("@")[2] or "policyflow"
        # The same id on every try of this message, so a mailbox can recognise a repeat.
        message["Message-ID"] = f"<policyflow-outbox-{claimed.ids[0]}-{len(claimed.ids)}@{domain}>"
        message.set_content(claimed.body)
        return message

    def _failed(self, claimed: _Claimed, error: str, report: SendReport, permanent: bool = False) -> None:
        attempts = claimed.attempts + 1
        if permanent or attempts >= MAX_ATTEMPTS:
            self._mark(claimed, status="failed", attempts=attempts, last_error=error, lease_until=None,
                       handed_over_at=None)
            report.failed += 1
        else:
            self._mark(claimed, status="pending", attempts=attempts, last_error=error, lease_until=None,
                       handed_over_at=None, claimed_by=None, next_attempt_at=self._clock() + backoff(attempts))
            report.retrying += 1
        report.errors.append(f"to {claimed.recipient}: {error}")

    def _mark(self, claimed: _Claimed, **values) -> None:
        """Update our claimed rows (and only while they are still ours)."""
        with self._db.transaction() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(claimed.ids),
                                                        OutboxMessage.claimed_by == self._token,
                                                        OutboxMessage.status == "sending")
                            .values(**values).execution_options(synchronize_session=False))

    # --- after a sender stopped -----------------------------------------------------------

    def _recover(self, report: SendReport) -> None:
        now: datetime = self._clock()
        stale = (OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        with self._db.transaction() as session:
            report.recovered += session.execute(
                update(OutboxMessage).where(*stale, OutboxMessage.handed_over_at.is_(None))
                .values(status="pending", claimed_by=None, lease_until=None)
                .execution_options(synchronize_session=False)).rowcount
            report.uncertain += session.execute(
                update(OutboxMessage).where(*stale, OutboxMessage.handed_over_at.is_not(None))
                .values(status="uncertain", lease_until=None, last_error=UNCERTAIN)
                .execution_options(synchronize_session=False)).rowcount
