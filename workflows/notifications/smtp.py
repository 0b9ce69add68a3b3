"""One SMTP connection, used for a batch of messages, with the hand-over made explicit.

A message is handed over in two halves so the sender can record the moment of no
return: ``prepare`` (MAIL FROM, RCPT TO: nothing is delivered yet, and a failure
here means the message can simply be tried again) and ``hand_over`` (DATA: once
the server has the content, it may deliver it even if we never hear its answer).
"""
from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage

from workflows.notifications.settings import SmtpServer

TIMEOUT_SECONDS = 30


class Refused(Exception):
    """The server refused a message; ``permanent`` for 5xx answers (trying again will not help)."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def _refusal(code: int, response: bytes, what: str) -> Refused:
    text = response.decode("utf-8", "replace") if isinstance(response, bytes) else str(response)
    return Refused(f"The mail server refused the {what}: {code} {text}", permanent=500 <= code < 600)


class Connection:
    def __init__(self, server: SmtpServer):
        if server.tls == "ssl":
            self._smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                          context=ssl.create_default_context())
        else:
            self._smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        try:
            self._smtp.ehlo()
            if server.tls == "starttls":
                self._smtp.starttls(context=ssl.create_default_context())
                self._smtp.ehlo()
            if server.username:
                self._smtp.login(server.username, server.password or "")
        except BaseException:
            self.close()
            raise

    def prepare(self, sender: str, recipient: str) -> None:
        """MAIL FROM and RCPT TO; raises Refused or an SMTP/OS error, and nothing was delivered."""
        code, response = self._smtp.mail(sender)
        if code != 250:
            self._smtp.rset()
            raise _refusal(code, response, "sender")
        code, response = self._smtp.rcpt(recipient)
        if code not in (250, 251):
            self._smtp.rset()
            raise _refusal(code, response, "recipient")

    def hand_over(self, message: EmailMessage) -> None:
        """DATA: the server has the message once this returns; Refused if it said no."""
        try:
            code, response = self._smtp.data(message.as_bytes(policy=policy.SMTP))
        except smtplib.SMTPDataError as error:  # refused before any content was sent
            raise _refusal(error.smtp_code, error.smtp_error, "message") from None
        if code != 250:
            raise _refusal(code, response, "message")

    def abandon(self) -> None:
        """Forget a prepared message after a refusal, so the connection can carry the next one."""
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            pass  # the next message will find the connection broken and be retried later

    def close(self) -> None:
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
