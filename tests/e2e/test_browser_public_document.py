"""The public reads a published policy in Chromium, on a phone and on a desktop, with axe-core at
0 serious or critical: its patients' questions, its document control, the links to its other
formats and its easy read version; and downloads it as a PDF. The policy comes from the demo
data (`init --demo`): published, reviewed without change, republished as version 1.1."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.test_accessibility import assert_no_serious_violations
from webapp.demo.data import add_demo_data
from webapp.demo.policies import PUBLISHED_TITLE

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
ORDER = ["Summary", "Purpose of this policy", "Who this policy applies to", "What you may and may not do",
         "How to ask", "If you are having a pregnancy scan", "Intimate examinations", "If your child is having a scan",
         "Other people in the room", "Staff who prefer not to be filmed", "If recording starts without permission",
         "Why we ask this", "Your recording and your personal data", "Where this policy applies",
         "Contact and complaints", "Document control"]


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
    context = new_context(base_url=demo_site.url, viewport=SIZES[size], bypass_csp=True)  # axe is injected
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_policy(page)
    expect(page.get_by_role("heading", level=2)).to_have_text(ORDER)
    expect(page.get_by_role("heading", level=3, name="Your baby's sex")).to_be_visible()
    expect(page.get_by_role("link", name="https://www.riverside.example/policies/safeguarding-children")).to_be_visible()
    control = page.get_by_role("region", name="Document control")
    for said in ("IMG-REC-", "Lead Sonographer, Obstetric Ultrasound", "Reviewed without change; no new sign-off.",
                 "Signed off for version 1 by", "Riverside Maternity Voices Partnership (patient group)",
                 "Recording a birth policy", "(01 Apr 2010)"):
        expect(control).to_contain_text(said)
    expect(control).not_to_contain_text("No changes")
    history = control.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(3)  # header, version 1.1 (current), version 1 (superseded)
    expect(history.get_by_role("row").nth(1)).to_contain_text("Version 1.1")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Reviewed without change on")
    expect(history).to_contain_text("Superseded from")
    assert_no_serious_violations(page)
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
    assert re.search(r"version 1.1 · effective \d\d \w{3} \d{4} · uncontrolled when printed", text), text[-400:]
    assert "Superseded from" in text and "Page 1 of" in text


@pytest.mark.parametrize("size", list(SIZES))
def test_the_other_formats_are_linked_and_the_easy_read_reads_one_idea_a_line(new_context, demo_site, size, tmp_path):
    context = new_context(base_url=demo_site.url, viewport=SIZES[size], bypass_csp=True)  # axe is injected
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_policy(page)
    formats = page.get_by_role("navigation", name="This policy in other formats")
    for name in ("Large print (PDF)", "Easy read", "Cymraeg (Welsh)", "Notices for letters and text messages",
                 "Poster for waiting rooms (PDF)"):
        expect(formats.get_by_role("link", name=name)).to_be_visible()
    formats.get_by_role("link", name="Easy read").click()
    page.wait_for_url(re.compile(r"/published/\d+/easy-read$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PUBLISHED_TITLE}: easy read")
    sentences = page.get_by_role("list").filter(has_text="Ask the sonographer first.").get_by_role("listitem")
    expect(sentences).to_have_count(6)
    expect(sentences.first).to_have_text("You can take a photo of the screen at the end of your scan.")
    expect(page.get_by_text("A parent holding a phone up to a scan screen")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_serious_violations(page)
    page.screenshot(path=str(tmp_path / f"easy-read-{size}.png"), full_page=True)
    page.get_by_role("link", name="Read the full policy").click()
    page.wait_for_url(re.compile(r"/published/\d+$"))
    page.get_by_role("navigation", name="This policy in other formats").get_by_role("link", name="Cymraeg (Welsh)").click()
    page.wait_for_url(re.compile(r"/published/\d+/cy$"))
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert_no_serious_violations(page)


def test_a_suspended_and_a_not_yet_in_force_policy_say_so_first_on_a_phone(new_context, demo_site):
    from webapp.demo.policies import COMING_TITLE, SUSPENDED_TITLE

    context = new_context(base_url=demo_site.url, viewport=SIZES["phone"], bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    for title, said in ((SUSPENDED_TITLE, "This policy has been suspended since"),
                        (COMING_TITLE, "this policy comes into force on")):
        page.goto("/published")
        page.get_by_role("link", name=title, exact=True).click()
        page.wait_for_url(re.compile(r"/published/\d+$"))
        notice = page.get_by_role("note").first
        expect(notice).to_contain_text(said)
        # the reader learns it before anything else: the notice is on the first screen of a phone
        assert notice.bounding_box()["y"] < SIZES["phone"]["height"]
        assert_no_serious_violations(page)


def test_the_reviewed_version_says_the_committee_confirmed_it(new_context, demo_site):
    context = new_context(base_url=demo_site.url, viewport=SIZES["desktop"])
    page = context.new_page()
    open_policy(page)
    expect(page.locator(".reviewed-unchanged")).to_have_text(re.compile(
        r"^Version 1\.1 — reviewed without change on \d{2} \w{3} \d{4}, confirmed by Clinical Governance "
        r"Committee on \d{2} \w{3} \d{4}$"))


def test_with_text_at_200_percent_no_public_page_scrolls_sideways_on_a_phone(new_context, demo_site):
    """A reader who enlarges the text (WCAG 1.4.4 and 1.4.10) reads every public page without
    scrolling sideways: a heading's long word ("examinations") wraps rather than widen the page."""
    context = new_context(base_url=demo_site.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    open_policy(page)
    policy = page.url.removeprefix(demo_site.url)
    for url in ("/published", policy, f"{policy}/v1", f"{policy}/cy", f"{policy}/easy-read", f"{policy}/notices"):
        page.goto(url)
        page.add_style_tag(content="html { font-size: 200% !important; }")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{url} scrolls sideways: {widths}"
