"""The public reads a published policy in Chromium, on a phone and on a desktop, and downloads it
as a PDF. The policy comes from the demo data (`init --demo`): published, reviewed, republished."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from webapp.demo.data import add_demo_data
from webapp.demo.policies import PUBLISHED_TITLE

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
ORDER = ["Summary", "Purpose of this policy", "Who this policy applies to", "What you may and may not do",
         "How to ask", "Staff who prefer not to be filmed", "If recording starts without permission",
         "Why we ask this", "Where this policy applies", "Contact and complaints", "Document control"]


@pytest.fixture
def demo_site(live_server):
    add_demo_data(live_server.services)
    return live_server


def open_policy(page: Page) -> None:
    page.goto("/published")
    page.get_by_role("link", name=PUBLISHED_TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/published/\d+$"))
    expect(page.get_by_role("heading", level=1, name=PUBLISHED_TITLE)).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_public_reads_the_policy_at_phone_and_desktop_width(new_context, demo_site, size, tmp_path):
    context = new_context(base_url=demo_site.url, viewport=SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_policy(page)
    expect(page.get_by_role("heading", level=2)).to_have_text(ORDER)
    control = page.get_by_role("region", name="Document control")
    expect(control).to_contain_text("Reviewed by the manager")
    expect(control).to_contain_text("Signed off for version 1 by")
    history = control.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(3)  # header, version 2 (current), version 1 (superseded)
    expect(history).to_contain_text("Superseded from")
    # Nothing runs off the side of a phone: neither the page nor the history table is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert history.evaluate("table => table.scrollWidth <= table.parentElement.clientWidth")
    shot = tmp_path / f"published-{size}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    history.get_by_role("link", name="Version 1").click()
    page.wait_for_url(re.compile(r"/published/\d+/v1$"))
    expect(page.get_by_role("note")).to_contain_text("This version is superseded.")
    page.get_by_role("link", name=re.compile(r"^Read the current version")).click()
    page.wait_for_url(re.compile(r"/published/\d+$"))


def test_the_download_button_gives_the_same_document_as_a_pdf(new_context, demo_site, tmp_path):
    context = new_context(base_url=demo_site.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_policy(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this policy as a PDF").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    for heading in ORDER:
        assert heading in text, heading
    assert PUBLISHED_TITLE in text and "Ask the sonographer at the start of your scan." in text
    assert re.search(r"version 2 · effective \d\d \w{3} \d{4} · uncontrolled when printed", text), text[-400:]
    assert "Superseded from" in text and "Page 1 of" in text
