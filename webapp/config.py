"""Settings from the environment, with a SQLite database in the instance folder by default."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """POLICYFLOW_SECRET_KEY, or a key generated once and kept in the instance folder."""
    if os.environ.get("POLICYFLOW_SECRET_KEY"):
        return os.environ["POLICYFLOW_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


def settings(instance: Path) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": os.environ.get("POLICYFLOW_DATABASE_URL", f"sqlite:///{instance / 'policyflow.db'}"),
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
    }
