"""Passwords in a real Chromium: an invited person follows the mailed link and chooses a
password, signs in, changes it in /settings (their other browser is signed out), and the
browser that signed in before is not held up by someone else's failures at the same address.
Screenshots of each page land in the test's folder for a look; axe checks the new pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    return [(v["id"], v["impact"]) for v in page.evaluate("axe.run().then(r => r.violations)")]


def test_an_invited_person_chooses_a_password_and_later_changes_it(new_context, live_server, ui, tmp_path):
    services = live_server.services
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    with services.database.reading() as session:
        from workflows.storage.schema import OutboxMessage

        body = session.query(OutboxMessage.body).filter_by(recipient="nina").scalar()
    path = re.search(r"(/invitations/\S+)", body).group(1)

    # axe is injected as an inline script, which the app's Content-Security-Policy would block.
    page = new_context(base_url=live_server.url, bypass_csp=True).new_page()
    page.goto(path)
    expect(page.get_by_role("heading", level=1, name="Choose your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("New password again").fill("password123")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("alert").filter(has_text="easy to guess")).to_be_visible()
    page.screenshot(path=str(tmp_path / "choose-password-refused.png"), full_page=True)
    assert violations(page) == []
    page.get_by_label("New password", exact=True).fill("meadow copper violin")
    page.get_by_label("New password again").fill("meadow copper violin")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("status").filter(has_text="Your password is set, nina.")).to_be_visible()
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password").fill("meadow copper violin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")

    other = new_context(base_url=live_server.url).new_page()
    other.goto("/published")
    ui.sign_in(other, "nina", "meadow copper violin")

    page.goto("/settings")
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Current password").fill("meadow copper violin")
    page.get_by_label("New password", exact=True).fill("harbour lemon tractor")
    page.get_by_label("New password again").fill("harbour lemon tractor")
    page.screenshot(path=str(tmp_path / "change-password.png"), full_page=True)
    assert violations(page) == []
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("status").filter(has_text="Your password is changed")).to_be_visible()
    page.goto("/inbox")
    expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()
    other.goto("/inbox")
    other.wait_for_url("**/login*")


def test_the_browser_that_signed_in_before_is_not_held_up_by_failures_from_its_address(new_context, live_server, ui):
    """Without a proxy in front, every browser here comes from 127.0.0.1: the attacker shares the address."""
    own = new_context(base_url=live_server.url).new_page()
    own.goto("/published")
    ui.sign_in(own, "ian")
    ui.sign_out(own, "ian")
    attacker = new_context(base_url=live_server.url).new_page()
    for n in range(20):
        attacker.goto("/login")
        attacker.get_by_label("Username").fill("ian")
        attacker.get_by_label("Password").fill(f"guess {n}")
        attacker.get_by_role("button", name="Sign in").click()
        expect(attacker.get_by_role("alert")).to_be_visible()
    expect(attacker.get_by_role("alert")).to_contain_text("Too many failed sign-ins for this username")
    own.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    own.get_by_label("Username").fill("ian")
    own.get_by_label("Password").fill(PASSWORD)
    own.get_by_role("button", name="Sign in").click()
    own.wait_for_url("**/inbox")
