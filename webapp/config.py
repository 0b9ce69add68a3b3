"""Settings from the environment, with a SQLite database in the instance folder by default."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import limits
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from workflows.notifications import MailSettings
from workflows.notifications.settings import DEFAULT_BASE_URL, DEFAULT_FROM
from workflows.policies.document_control import DEFAULT_REFERENCE_PATTERN, reference
from workflows.sandbox import StepLimits

ROOT = Path(__file__).resolve().parent.parent

# Failed sign-ins allowed before sign-in is paused (see webapp/signin/throttle.py).
# Per account: guessing one person's password. Per address: trying many accounts
# from one place; generous, since a hospital's staff often share one address.
SIGNIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
SIGNIN_LIMIT_PER_ADDRESS = "100 per hour"


class ConfigurationError(Exception):
    """A setting in the environment cannot be used; the message names it and says why."""


def _secret_key(instance: Path) -> str:
    """POLICYFLOW_SECRET_KEY, or a key generated once and kept in the instance folder."""
    if os.environ.get("POLICYFLOW_SECRET_KEY"):
        return os.environ["POLICYFLOW_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        # Written aside, then linked into place: processes starting at once all end up
        # with the first one's key, and none reads a half-written file.
        draft = instance / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def _number(name: str, default, kind=int):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a number.") from None
    if number <= 0:
        raise ConfigurationError(f"{name}={value!r} must be above 0.")
    return number


def step_limits() -> StepLimits:
    """What one step of diagram code may use (see workflows.sandbox), from the environment."""
    defaults = StepLimits()
    return StepLimits(
        cpu_seconds=_number("POLICYFLOW_STEP_CPU_SECONDS", defaults.cpu_seconds),
        memory_mb=_number("POLICYFLOW_STEP_MEMORY_MB", defaults.memory_mb),
        wall_seconds=_number("POLICYFLOW_STEP_TIMEOUT_SECONDS", defaults.wall_seconds, float),
        max_data_bytes=_number("POLICYFLOW_MAX_POLICY_DATA_KB", defaults.max_data_bytes // 1000) * 1000,
        max_instances=_number("POLICYFLOW_MAX_INSTANCES", defaults.max_instances),
        processes=_number("POLICYFLOW_SANDBOX_PROCESSES", defaults.processes),
    )


def mail_settings() -> MailSettings:
    """Where mail goes (POLICYFLOW_SMTP_URL), whom it is from and where its links point."""
    settings = MailSettings(smtp_url=os.environ.get("POLICYFLOW_SMTP_URL") or None,
                            mail_from=os.environ.get("POLICYFLOW_MAIL_FROM") or DEFAULT_FROM,
                            base_url=os.environ.get("POLICYFLOW_BASE_URL") or DEFAULT_BASE_URL)
    if settings.smtp_url:
        try:
            settings.server()
        except Exception as error:  # noqa: BLE001 - any unusable URL is a configuration error, said plainly
            raise ConfigurationError(str(error)) from None
    if not settings.base_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"POLICYFLOW_BASE_URL={settings.base_url!r} must start with http:// or https://.")
    if "@" not in settings.mail_from:
        raise ConfigurationError(f"POLICYFLOW_MAIL_FROM={settings.mail_from!r} is not an e-mail address.")
    return settings


def mail_interval() -> float:
    """Seconds between the background sender's rounds (POLICYFLOW_MAIL_INTERVAL_SECONDS)."""
    return _number("POLICYFLOW_MAIL_INTERVAL_SECONDS", 30.0, float)


def timer_interval() -> float:
    """Seconds between the background timer rounds of ``serve`` (POLICYFLOW_TIMER_INTERVAL_SECONDS)."""
    return _number("POLICYFLOW_TIMER_INTERVAL_SECONDS", 60.0, float)


def _rate(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    try:
        limits.parse_many(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a rate; write it like '5 per 15 minutes'.") from None
    return value


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit():
        raise ConfigurationError(f"{name}={value!r} is not a whole number of 0 or more.")
    return int(value)


def reference_pattern() -> str:
    """The trust's pattern for policy reference numbers (POLICYFLOW_REFERENCE_PATTERN), e.g. IMG-REC-{id:03d}."""
    pattern = os.environ.get("POLICYFLOW_REFERENCE_PATTERN") or DEFAULT_REFERENCE_PATTERN
    try:
        reference(pattern, 1)
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigurationError(f"POLICYFLOW_REFERENCE_PATTERN={pattern!r} cannot be filled in ({error}); "
                                 "write it like IMG-REC-{id:03d}.") from None
    return pattern


def _database_url(instance: Path) -> str:
    """POLICYFLOW_DATABASE_URL, or the instance folder's SQLite file when it is unset or empty;
    one that is not a database URL is named, not met later as a traceback."""
    url = os.environ.get("POLICYFLOW_DATABASE_URL", "").strip() or f"sqlite:///{instance / 'policyflow.db'}"
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"POLICYFLOW_DATABASE_URL={url!r} is not a database URL; write it like "
                                 "postgresql+psycopg://user@host:5432/name or sqlite:////path/to/policyflow.db.") from None
    return url


def settings(instance: Path) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": _database_url(instance),
        "PROCESS_ID": os.environ.get("POLICYFLOW_PROCESS_ID", "policy_lifecycle"),
        "VENDOR_DIR": os.environ.get("POLICYFLOW_VENDOR_DIR", str(ROOT / "node_modules")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("POLICYFLOW_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _flag("POLICYFLOW_SECURE_COOKIES", False),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SIGNIN_LIMIT_PER_ACCOUNT": _rate("POLICYFLOW_SIGNIN_LIMIT_PER_ACCOUNT", SIGNIN_LIMIT_PER_ACCOUNT),
        "SIGNIN_LIMIT_PER_ADDRESS": _rate("POLICYFLOW_SIGNIN_LIMIT_PER_ADDRESS", SIGNIN_LIMIT_PER_ADDRESS),
        # How many reverse proxies stand in front of the app and append to X-Forwarded-For;
        # 0 trusts no such header, so a client cannot pick the address it is counted under.
        "TRUSTED_PROXIES": _count("POLICYFLOW_TRUSTED_PROXIES", 0),
        # Who may read /metrics: bearer this token, or (unset) only this machine.
        "METRICS_TOKEN": os.environ.get("POLICYFLOW_METRICS_TOKEN") or None,
        "REFERENCE_PATTERN": reference_pattern(),
    }
