"""Sign-in throttling: failed sign-ins are counted per account *and* client, and per address.

Flask-Limiter does the counting, with two limits on ``POST /login``:

- per account and client (guessing one person's password): keyed by the username typed
  and, for a browser holding a device cookie of that account (``signin_devices``: it
  signed in to it before), that device; for any other client, its network address. So
  failures from one address pause that account only from that address: the owner signing
  in from elsewhere, or from their own browser behind the same shared address, is not
  held up. Locking the real person out is no longer a weapon.
- per address (trying many accounts from one place): every failure from the address,
  except those of a known device for the account it signs in to.

The same per-account limit applies to wrong *current* passwords on the page that changes
one's own password (keyed by the signed-in person), so a session left open is no way to
guess the password.

Only refusals (401) count, so a successful sign-in uses up nothing. A success clears
its account-and-client count (the owner is back), but not its address's: one's own
account must not reset a guessing run. Past a limit the login page answers 429 with how
long to wait, and no password is checked, so a throttled guess costs the server no hash.

The counts live in the app's database (``workflows.people.rate_limits``), which every
worker process and machine shares; see there for why not ``memory://``.
Each app gets its own ``Limiter``, so apps over different databases (tests) never
share counts. Flask-Limiter tests a limit before the view and counts after it,
so requests already in flight when a limit is reached may each still be counted:
the overshoot is at most the number of requests served at once.
"""
from __future__ import annotations

import math

from flask import current_app, g, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from webapp.signin import devices as signin_devices
from workflows.people.rate_limits import STORAGE_URI

EXTENSION = "policyflow.signin_limiter"
WRONG_CURRENT_PASSWORD = "wrong_current_password"
_ACCOUNT = "account-"


def client_address() -> str:
    """The address failures are counted under: the connecting peer, or, behind
    ``TRUSTED_PROXIES`` reverse proxies, the address the outermost one saw (entries
    further left in X-Forwarded-For are the client's own claims and are ignored)."""
    hops = current_app.config["TRUSTED_PROXIES"]
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
    if hops and len(forwarded) >= hops:
        return f"address-{forwarded[-hops]}"
    return f"address-{request.remote_addr or 'unknown'}"


def _username() -> str:
    return request.form.get("username", "").strip()


def account_key() -> str:
    """The username typed, hashed (any length or character fits the key, and the same
    counting applies whether or not such an account exists), with the client: this
    browser's device cookie for the account if it has one, else its address."""
    username = _username()
    device = signin_devices.device_of(username)
    client = f"device-{device}" if device else client_address()
    return f"{_ACCOUNT}{signin_devices.account_hash(username)}-{client}"


def known_device() -> bool:
    """Whether this browser signed in to the account typed before (its failures are then
    counted under the device alone, not under the shared address)."""
    return signin_devices.device_of(_username()) is not None


def _refused(response) -> bool:
    return response.status_code == 401


def _signed_in_key() -> str:
    return f"password-change-{current_user.actor.id}" if current_user.is_authenticated else "password-change-"


def _wrong_current_password(response) -> bool:
    """Set by the password page: a session left open must not become a way to guess the password."""
    return bool(g.get(WRONG_CURRENT_PASSWORD))


def init_app(app) -> None:
    """Throttle the ``auth.login`` view of ``app`` with the limits in its config."""
    services = app.extensions["policyflow"]
    limiter = Limiter(client_address, app=app, strategy="fixed-window", key_prefix="signin",
                      storage_uri=STORAGE_URI, storage_options={"database": services.database, "clock": services.clock})
    login = app.view_functions["auth.login"]
    for limit, key, exempt, message in (
        (app.config["SIGNIN_LIMIT_PER_ACCOUNT"], account_key, None,
         "Too many failed sign-ins for this username from here."),
        (app.config["SIGNIN_LIMIT_PER_ADDRESS"], client_address, known_device,
         "Too many failed sign-ins from your network address."),
    ):
        login = limiter.limit(limit, key_func=key, methods=["POST"], deduct_when=_refused, error_message=message,
                              exempt_when=exempt)(login)
    app.view_functions["auth.login"] = login
    change = app.view_functions["own_password.change"]
    app.view_functions["own_password.change"] = limiter.limit(
        app.config["SIGNIN_LIMIT_PER_ACCOUNT"], key_func=_signed_in_key, methods=["POST"],
        deduct_when=_wrong_current_password, error_message="Too many wrong current passwords.")(change)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _throttled)


def forget_account_failures() -> None:
    """After a successful sign-in: the account's failures from this client no longer count against it."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    for evaluated in limiter.current_limits:
        if f"/{_ACCOUNT}" in evaluated.key:
            limiter.storage.clear(evaluated.key)


def _throttled(error: RateLimitExceeded):
    """The login page again, saying why sign-in is paused and for how long (429)."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    breached = limiter.current_limit
    now = current_app.extensions["policyflow"].clock().timestamp()
    seconds = max(1, math.ceil(breached.window.reset_time - now)) if breached else None
    wait = f" Please wait {_duration(seconds)} before trying again." if seconds else " Please wait before trying again."
    template = "own_password.html" if request.endpoint == "own_password.change" else "login.html"
    response = current_app.make_response((render_template(template, error=error.description + wait, errors={}), 429))
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes <= 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"
