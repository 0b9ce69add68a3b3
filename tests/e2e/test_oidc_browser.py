"""Single sign-on in a real Chromium against a real OpenID provider (npm oidc-provider, with its
development login page) on loopback: the first sign-in creates the person with the mapped roles
and department, a role change at the provider is taken at the next sign-in and audited, a person
with no mapped role is refused plainly, a callback whose ``state`` was altered is refused, and
signing out ends the provider's session too (but not after a password sign-in).

Each sign-in is made in a fresh browser context, so the provider always shows its login page.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS, serve
from tests.lifecycle import audit_events
from tests.mail_server import free_port
from tests.oidc.server import OpenIdProvider

pytestmark = pytest.mark.e2e
ROLE_MAP = {"Imaging-Managers": ["manager"], "Sonographers": ["staff"], "Insurance": ["insurer"]}
ACCOUNTS = {
    "jdoe": {"name": "Jane Doe", "email": "jane.doe@trust.example", "roles": ["Imaging-Managers", "Car-Park"],
             "department": "Ultrasound"},
    "visitor": {"name": "Val Visitor", "roles": ["Car-Park"]},
}


@pytest.fixture
def sso(tmp_path, clock):
    port = free_port()
    provider = OpenIdProvider(tmp_path, f"http://127.0.0.1:{port}/login/sso/callback", ACCOUNTS).start()
    config = {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": provider.client_id,
              "OIDC_CLIENT_SECRET": provider.client_secret, "OIDC_NAME": "NHS mail", "OIDC_ROLE_MAP": ROLE_MAP}
    try:
        with serve(tmp_path, clock, config=config, port=port) as server:
            yield server, provider
    finally:
        provider.stop()


def fresh_page(new_context, server):
    context = new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def at_provider(page, provider, login: str) -> None:
    """From our login page to the provider's, and sign in there as ``login``."""
    page.goto("/login")
    page.get_by_role("link", name="Sign in with NHS mail").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password at the dev provider")
    page.get_by_role("button", name="Sign-in").click()


def person(server, username: str):
    return server.services.accounts.person(username)


def test_first_sign_in_creates_the_person_and_a_role_change_at_the_provider_is_taken_next_time(
        new_context, sso, ui, tmp_path):
    server, provider = sso
    page = fresh_page(new_context, server)
    page.goto("/login")
    page.screenshot(path=str(tmp_path / "login-with-sso.png"), full_page=True)
    at_provider(page, provider, "jdoe")
    page.wait_for_url(f"{server.url}/inbox")
    expect(page.get_by_role("status").filter(has_text="Signed in as jdoe.")).to_be_visible()
    jdoe = person(server, "jdoe")
    assert (jdoe.roles, jdoe.department, jdoe.email) == (("manager",), "Ultrasound", "jane.doe@trust.example")
    [added] = [e for e in audit_events(server.services, action="user_added") if e.data["username"] == "jdoe"]
    assert added.data["by"] == "single sign-on" and added.data["roles"] == ["manager"]
    page.goto("/settings/password")
    expect(page.get_by_text("You sign in through your organisation's account")).to_be_visible()

    provider.set_accounts({**ACCOUNTS, "jdoe": {**ACCOUNTS["jdoe"], "roles": ["Sonographers"],
                                                "department": "Radiography"}})
    again = fresh_page(new_context, server)
    at_provider(again, provider, "jdoe")
    again.wait_for_url(f"{server.url}/inbox")
    jdoe = person(server, "jdoe")
    assert (jdoe.roles, jdoe.department) == (("staff",), "Radiography")
    [changed] = audit_events(server.services, action="user_changed")
    assert changed.data == {"username": "jdoe", "roles": ["staff"], "department": "Radiography",
                            "by": "single sign-on"}
    page.goto("/policies/new")  # the first browser's session has the new roles at once: no longer a manager
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Forbidden|not allowed|Not allowed"))


def test_a_person_with_no_mapped_role_is_refused_plainly(new_context, sso, tmp_path):
    server, provider = sso
    page = fresh_page(new_context, server)
    at_provider(page, provider, "visitor")
    page.wait_for_url(f"{server.url}/login/sso/callback*")
    expect(page.get_by_role("alert")).to_have_text(re.compile("Your NHS mail account does not give you a role in "
                                                              "policyflow, so you cannot sign in here"))
    page.screenshot(path=str(tmp_path / "sso-refused.png"), full_page=True)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    assert "visitor" not in [p.username for p in server.services.accounts.people()]
    [refused] = audit_events(server.services, action="signin_refused")
    assert refused.data["subject"] == "visitor"


def test_a_callback_with_a_tampered_state_is_refused_and_signs_nobody_in(new_context, sso):
    """The ``state`` our app sends is altered on its way to the provider (which hands it back
    as it got it); the callback then carries a state this browser was never given."""
    server, provider = sso
    page = fresh_page(new_context, server)
    altered = []

    def alter_state(route):
        response = route.fetch(max_redirects=0)
        location = response.headers["location"]
        altered.append(location)
        route.fulfill(response=response,
                      headers={**response.headers, "location": re.sub(r"state=[^&]+", "state=altered", location)})

    page.route(re.compile(r"/login/sso(\?.*)?$"), alter_state)
    at_provider(page, provider, "jdoe")
    page.wait_for_url(f"{server.url}/login/sso/callback*")
    assert "state=altered" in page.url and altered and "state=altered" not in altered[0]
    expect(page.get_by_role("alert")).to_have_text(re.compile("did not start here, or it was altered on the way"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    assert "jdoe" not in [p.username for p in server.services.accounts.people()]

    page.unroute(re.compile(r"/login/sso(\?.*)?$"))
    page.goto("/login")  # the provider remembers jdoe now: straight back, this time with the state we sent
    page.get_by_role("link", name="Sign in with NHS mail").click()
    page.wait_for_url(f"{server.url}/inbox")
    assert person(server, "jdoe").roles == ("manager",)


def test_signing_out_ends_the_session_at_the_provider_too(new_context, sso, ui, tmp_path):
    """Without this, the provider remembers the person: on a shared computer the next "Sign in with
    NHS mail" would go straight through as them."""
    server, provider = sso
    page = fresh_page(new_context, server)
    at_provider(page, provider, "jdoe")
    page.wait_for_url(f"{server.url}/inbox")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out jdoe").click()
    page.wait_for_url(f"{provider.issuer}/session/end*")
    assert "id_token_hint=" in page.url and "post_logout_redirect_uri=" in page.url
    page.screenshot(path=str(tmp_path / "sso-sign-out-at-provider.png"), full_page=True)
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{server.url}/published")
    expect(page.get_by_role("status").filter(has_text="You have signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()

    page.goto("/login")  # the provider asks who it is again: its session ended
    page.get_by_role("link", name="Sign in with NHS mail").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    expect(page.locator("input[name=login]")).to_be_visible()


def test_signing_out_after_a_password_sign_in_stays_on_this_site(new_context, sso, ui):
    server, provider = sso
    page = fresh_page(new_context, server)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if request.url.startswith(provider.issuer) else None)
    page.goto("/published")
    ui.sign_in(page, "mary")
    ui.sign_out(page, "mary")
    assert asked == []
