"""A member of staff keeps their recording preferences in /settings, in Chromium: labelled
fields, errors beside them, saved and shown again, with axe-core finding nothing serious or
critical; and the same form without JavaScript."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.test_accessibility import assert_no_serious_violations

pytestmark = pytest.mark.e2e


def _settings(page: Page, ui, name: str = "sam") -> None:
    page.goto("/published")
    ui.sign_in(page, name)
    page.goto("/settings")
    expect(page.get_by_role("heading", level=2, name="Being recorded at work")).to_be_visible()


def test_staff_keep_their_recording_preferences_in_settings(new_context, live_server, ui):
    context = new_context(base_url=live_server.url, bypass_csp=True)  # axe is injected inline
    context.set_default_timeout(10_000)
    page = context.new_page()
    _settings(page, ui)
    assert_no_serious_violations(page)
    video = page.get_by_role("group", name="Video: are you willing?")
    video.get_by_label("Yes, but only with conditions").check()
    page.get_by_role("group", name="Sound recording: are you willing?").get_by_label("No, I am not willing").check()
    page.get_by_role("button", name="Save my recording preferences").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Say what your conditions are")
    assert_no_serious_violations(page)  # the error summary and the field's error
    summary.get_by_role("link").click()
    page.get_by_label("Your conditions").fill("Never my face.")
    page.get_by_role("button", name="Save my recording preferences").click()
    expect(page.get_by_role("status").filter(has_text="Your recording preferences are saved")).to_be_visible()
    expect(page.get_by_role("group", name="Video: are you willing?")
           .get_by_label("Yes, but only with conditions")).to_be_checked()
    expect(page.get_by_label("Your conditions")).to_have_value("Never my face.")
    assert_no_serious_violations(page)
    entry = live_server.services.recording_preferences.own(live_server.people["sam"])
    assert (entry["video"], entry["audio"], entry["conditions"]) == (
        "willing_with_conditions", "not_willing", "Never my face.")


def test_settings_work_without_javascript(new_context, live_server, ui):
    context = new_context(base_url=live_server.url, java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
    page.goto("/settings")
    page.get_by_role("group", name="Photos of the screen: are you willing?").get_by_label(
        "Yes, I am willing").check()
    page.get_by_role("button", name="Save my recording preferences").click()
    expect(page.get_by_role("group", name="Photos of the screen: are you willing?")
           .get_by_label("Yes, I am willing")).to_be_checked()
    assert live_server.services.recording_preferences.own(live_server.people["alex"])["screen_photos"] == "willing"
