"""The public reads the list's status words, a policy page's status and other-formats line, and the
notices page, in Chromium on a phone and a desktop, with axe-core at 0 serious or critical; the copy
buttons copy (with JavaScript) and the texts stay selectable without it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import assert_no_serious_violations
from webapp.demo.data import add_demo_data
from webapp.demo.policies import PUBLISHED_TITLE

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def demo_site(live_server):
    add_demo_data(live_server.services)
    return live_server


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", list(SIZES))
def test_status_words_page_and_notices_at_phone_and_desktop_width(new_context, demo_site, size, tmp_path):
    context = new_context(base_url=demo_site.url, viewport=SIZES[size], bypass_csp=True,
                          permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/published")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=PUBLISHED_TITLE, exact=True))
    expect(row.get_by_role("cell").last).to_have_text("in force")
    assert fits(page)
    assert_no_serious_violations(page)

    row.get_by_role("link", name=PUBLISHED_TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/published/\d+$"))
    expect(page.get_by_text(re.compile(r"^Status: In force from \d\d \w{3} \d{4}$"))).to_be_visible()
    expect(page.get_by_text("Other formats and languages:")).to_be_visible()
    expect(page.get_by_role("link", name="large-print PDF")).to_be_visible()
    policy_id = page.url.rsplit("/", 1)[-1]

    page.goto(f"/published/{policy_id}/notices")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Notices for patients: {PUBLISHED_TITLE}")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["For appointment letters", "Text message", "For the booking confirmation"])
    message = page.locator("#text-message-text")
    assert len(message.inner_text().strip()) <= 160 and f"/p/{policy_id}" in message.inner_text()
    page.get_by_role("button", name="Copy text message").click()
    expect(page.get_by_role("status").nth(1)).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == message.inner_text().strip()
    assert fits(page)
    assert_no_serious_violations(page)
    shot = tmp_path / f"notices-{size}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_without_javascript_the_texts_are_there_to_select(new_context, demo_site):
    context = new_context(base_url=demo_site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/published")
    page.get_by_role("link", name=PUBLISHED_TITLE, exact=True).click()
    page.goto(page.url + "/notices")
    expect(page.locator(".copy-text")).to_have_count(3)
    expect(page.get_by_role("button", name=re.compile("^Copy"))).to_have_count(0)  # nothing that does nothing
    expect(page.get_by_role("link", name="A4 poster (PDF)")).to_be_visible()
