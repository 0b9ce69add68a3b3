"""Failures do not lock out the owner: failed sign-ins are counted per account and client (the
network address, or a device cookie of a browser that signed in to the account before), and
the per-address limit stays. With the shipped limits, behind one trusted proxy.

Every request reaches the app from the proxy's address and carries X-Forwarded-For, as a
reverse proxy in front of policyflow would send it (POLICYFLOW_TRUSTED_PROXIES=1).
"""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.web import csrf_token, logout
from webapp.signin import devices as signin_devices

PROXY = "10.0.0.5"
ATTACKER = "203.0.113.66"
WARD = ATTACKER  # the hospital's shared address: the attacker sits behind it too
HOME = "198.51.100.20"


@pytest.fixture
def app(services, tmp_path, monkeypatch):
    """The app with the shipped limits, behind one trusted proxy."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    for name in ("POLICYFLOW_SIGNIN_LIMIT_PER_ACCOUNT", "POLICYFLOW_SIGNIN_LIMIT_PER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICYFLOW_TRUSTED_PROXIES", "1")
    return create_app({"TESTING": True}, services=services)


class Browser:
    """A browser of its own (cookies) whose requests the proxy forwards from ``address``."""

    def __init__(self, app, address: str):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = PROXY
        self.headers = {"X-Forwarded-For": address}

    def sign_in(self, username: str, password: str):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                                headers=self.headers)


@pytest.fixture
def insurer(people):
    return "ian"


def test_twenty_failures_from_one_address_do_not_stop_the_owner_elsewhere_or_in_their_own_browser(app, insurer):
    own_browser = Browser(app, WARD)
    assert own_browser.sign_in(insurer, PASSWORD).status_code == 302
    logout(own_browser.client)

    attacker = Browser(app, ATTACKER)
    statuses = [attacker.sign_in(insurer, f"guess {n}").status_code for n in range(20)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    refused = attacker.sign_in(insurer, PASSWORD)
    assert refused.status_code == 429, "the guessing address stays paused for this account"
    assert "Too many failed sign-ins for this username" in visible_text(refused.get_data(as_text=True))

    assert Browser(app, HOME).sign_in(insurer, PASSWORD).status_code == 302, "another address signs in"
    assert Browser(app, ATTACKER).sign_in("emma", PASSWORD).status_code == 302, "another account at that address too"
    assert Browser(app, WARD).sign_in(insurer, PASSWORD).status_code == 429, "a browser new to the account waits there"
    response = own_browser.sign_in(insurer, PASSWORD)
    assert response.status_code == 302, "the browser that signed in before, behind the same address, signs in"
    assert own_browser.client.get("/inbox").status_code == 200


def test_a_known_device_that_keeps_failing_is_paused_on_its_own(app, insurer):
    own_browser = Browser(app, WARD)
    assert own_browser.sign_in(insurer, PASSWORD).status_code == 302
    logout(own_browser.client)
    statuses = [own_browser.sign_in(insurer, "wrong").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert Browser(app, WARD).sign_in(insurer, PASSWORD).status_code == 302, "the address is not paused for it"


def test_a_device_cookie_counts_only_for_the_account_that_signed_in(app, people):
    """A cookie earned by signing in to one's own account gives no way round another's limits."""
    attacker = Browser(app, ATTACKER)
    assert attacker.sign_in("emma", PASSWORD).status_code == 302
    logout(attacker.client)
    statuses = [attacker.sign_in("ian", f"guess {n}").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2


def test_a_forged_or_foreign_device_cookie_is_no_device(app, people):
    attacker = Browser(app, ATTACKER)
    attacker.client.set_cookie(signin_devices.COOKIE, "eyJmb3JnZWQiOnRydWV9.forged.signature")
    statuses = [attacker.sign_in("ian", f"guess {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]


def test_the_per_address_limit_stays_for_clients_without_a_device_cookie(app, people):
    """Spraying many accounts from one address is paused after 100 failures in an hour."""
    sprayer = Browser(app, ATTACKER)
    for n in range(100):
        assert sprayer.sign_in(f"someone{n}", "guess").status_code == 401
    shown = visible_text(sprayer.sign_in("someone-else", "guess").get_data(as_text=True))
    assert "Too many failed sign-ins from your network address" in shown
    assert Browser(app, ATTACKER).sign_in("emma", PASSWORD).status_code == 429
