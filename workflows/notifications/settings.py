"""Mail settings: where the SMTP server is, who mail comes from, where links point."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from workflows.errors import PolicyflowError

DEFAULT_FROM = "policyflow@localhost"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class MailConfigurationError(PolicyflowError):
    """A mail setting cannot be used; the message names it."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # "none", "starttls" or "ssl"
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None = None
    mail_from: str = DEFAULT_FROM
    base_url: str = DEFAULT_BASE_URL

    @property
    def link_base(self) -> str:
        return self.base_url.rstrip("/")

    def server(self) -> SmtpServer:
        """The SMTP server of ``smtp_url`` (``smtp://[user:password@]host[:port][?starttls=true]``,
        or ``smtps://`` for TLS from the start)."""
        if not self.smtp_url:
            raise MailConfigurationError("POLICYFLOW_SMTP_URL is not set, so no mail can be sent; "
                                         "set it to the SMTP server, for example smtp://127.0.0.1:25.")
        parts = urlsplit(self.smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailConfigurationError(f"POLICYFLOW_SMTP_URL={self.smtp_url!r} is not an SMTP address; "
                                         "write it like smtp://mail.example.org:587?starttls=true.")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise MailConfigurationError(f"POLICYFLOW_SMTP_URL={self.smtp_url!r} has a port that is not a number.") from None
        starttls = "starttls=true" in (parts.query or "").lower()
        tls = "ssl" if parts.scheme == "smtps" else "starttls" if starttls else "none"
        return SmtpServer(parts.hostname, port, tls, unquote(parts.username) if parts.username else None,
                          unquote(parts.password) if parts.password else None)
