"""Settings for signing in through the trust's OpenID Connect provider, from the environment.

- ``POLICYFLOW_OIDC_ISSUER``, ``POLICYFLOW_OIDC_CLIENT_ID``, ``POLICYFLOW_OIDC_CLIENT_SECRET``:
  the provider (its discovery document is read from the issuer) and this app's registration;
- ``POLICYFLOW_OIDC_NAME``: the sign-in button's label ("Sign in with NHS mail");
- ``POLICYFLOW_OIDC_ROLES_CLAIM`` (``roles``), ``POLICYFLOW_OIDC_DEPARTMENT_CLAIM`` (``department``);
- ``POLICYFLOW_OIDC_ROLE_MAP``: a JSON object from the provider's role or group values to our
  roles (a role or a list of roles each);
- ``POLICYFLOW_LOCAL_SIGNIN``: ``on`` (default) or ``off`` to allow only single sign-on.
"""
from __future__ import annotations

import json
import os

from webapp.config import ConfigurationError
from workflows.people.accounts import ROLES

_NAMES = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")


def role_map(raw: str) -> dict[str, list[str]]:
    """The provider's values → our roles, checked: every target must be one of ours."""
    try:
        parsed = json.loads(raw or "{}")
    except ValueError as error:
        raise ConfigurationError(f"POLICYFLOW_OIDC_ROLE_MAP is not JSON ({error}); write it like "
                                 '{"Imaging-Managers": "manager", "Radiographers": ["staff"]}.') from None
    if not isinstance(parsed, dict):
        raise ConfigurationError("POLICYFLOW_OIDC_ROLE_MAP must be a JSON object from the provider's values to roles.")
    mapped = {}
    for value, roles in parsed.items():
        roles = [roles] if isinstance(roles, str) else roles
        unknown = [r for r in roles if r not in ROLES] if isinstance(roles, list) else [repr(roles)]
        if unknown:
            raise ConfigurationError(f"POLICYFLOW_OIDC_ROLE_MAP maps {value!r} to {', '.join(map(str, unknown))}, "
                                     f"which is not a role; roles are {', '.join(ROLES)}.")
        mapped[str(value)] = list(roles)
    return mapped


def settings() -> dict:
    values = {name: (os.environ.get(f"POLICYFLOW_OIDC_{name}") or "").strip() or None for name in _NAMES}
    given = [name for name, value in values.items() if value]
    if given and len(given) < len(_NAMES):
        missing = ", ".join(f"POLICYFLOW_OIDC_{n}" for n in _NAMES if not values[n])
        raise ConfigurationError(f"Single sign-on needs {missing} as well.")
    local = (os.environ.get("POLICYFLOW_LOCAL_SIGNIN") or "on").strip().lower()
    if local not in ("on", "off"):
        raise ConfigurationError(f"POLICYFLOW_LOCAL_SIGNIN={local!r} must be on or off.")
    if local == "off" and not given:
        raise ConfigurationError("POLICYFLOW_LOCAL_SIGNIN=off needs single sign-on: set POLICYFLOW_OIDC_ISSUER, "
                                 "POLICYFLOW_OIDC_CLIENT_ID and POLICYFLOW_OIDC_CLIENT_SECRET.")
    return {
        **{f"OIDC_{name}": value for name, value in values.items()},
        "OIDC_NAME": (os.environ.get("POLICYFLOW_OIDC_NAME") or "").strip() or "your organisation's account",
        "OIDC_ROLES_CLAIM": (os.environ.get("POLICYFLOW_OIDC_ROLES_CLAIM") or "").strip() or "roles",
        "OIDC_DEPARTMENT_CLAIM": (os.environ.get("POLICYFLOW_OIDC_DEPARTMENT_CLAIM") or "").strip() or "department",
        "OIDC_ROLE_MAP": role_map(os.environ.get("POLICYFLOW_OIDC_ROLE_MAP", "")),
        "LOCAL_SIGNIN": local == "on",
    }
