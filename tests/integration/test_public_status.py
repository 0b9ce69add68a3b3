"""Every public copy says the truth about the policy's status: the list's status word, the page's
notices, and each PDF's first page and every page's footer, with the day the status was checked;
a PDF made before a status change is never served after it."""
from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from tests.html import visible_text
from tests.lifecycle import complete, published_version, republish_unchanged, to_published, to_signoff


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(visible_text(response.get_data(as_text=True)).split())


def pdf_pages(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", url
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages]


def status_cell(client, title: str) -> str:
    """The status word the public list shows for the policy called ``title``."""
    import re

    html = client.get("/published").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{title}</a>" in r)
    return visible_text(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]).strip()


def test_a_policy_is_in_force_only_from_its_effective_date(client, services, people, clock):
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff")
    complete(services, people["ian"], "insurer_signoff")
    complete(services, people["cora"], "ratification")
    starts = clock().date() + timedelta(days=30)
    complete(services, people["mary"], "publish_policy", effective_date=starts.isoformat())
    assert status_cell(client, "Recording during ultrasound") == "comes into force"
    text = page(client, f"/published/{policy_id}")
    assert f"Status: Comes into force on {starts:%d %b %Y}" in text and "In force" not in text
    assert f"Not yet in force: this policy comes into force on {starts:%d %b %Y}" in text
    pages = pdf_pages(client, f"/published/{policy_id}.pdf")
    assert f"Status: Comes into force on {starts:%d %b %Y}" in pages[0]
    assert all(f"NOT YET IN FORCE: comes into force on {starts:%d %b %Y}" in p for p in pages)

    clock.advance(days=30)
    assert status_cell(client, "Recording during ultrasound") == "in force"
    assert f"Status: In force from {starts:%d %b %Y}" in page(client, f"/published/{policy_id}")
    pages = pdf_pages(client, f"/published/{policy_id}.pdf")
    assert f"Status: In force from {starts:%d %b %Y}" in pages[0] and "NOT YET" not in " ".join(pages)


def test_suspension_and_withdrawal_reach_every_pdf_page_and_no_cached_copy_survives(client, services, people,
                                                                                     tokens, clock):
    policy_id = to_published(services, people)
    today = clock().date()
    before = pdf_pages(client, f"/published/{policy_id}.pdf")
    assert f"Status: In force from {today:%d %b %Y}. Status checked on {today:%d %b %Y}." in before[0]
    assert all(f"status checked on {today:%d %b %Y}" in p for p in before)
    assert status_cell(client, "Recording during ultrasound") == "in force"

    bearer = {"Authorization": f"Bearer {tokens['mary']}"}
    assert client.post(f"/api/v1/policies/{policy_id}/suspend", json={"reason": "Notices are wrong."},
                       headers=bearer).status_code == 200
    assert status_cell(client, "Recording during ultrasound") == "suspended"
    for url in (f"/published/{policy_id}.pdf", f"/published/{policy_id}/large-print.pdf"):
        pages = pdf_pages(client, url)
        assert f"This policy has been suspended since {today:%d %b %Y} and does not apply" in pages[0]
        assert "Notices are wrong." in pages[0]
        assert all(f"SUSPENDED since {today:%d %b %Y}" in p for p in pages), url
    assert "This policy has been suspended since" in page(client, f"/published/{policy_id}")

    clock.advance(days=2)
    client.post(f"/api/v1/policies/{policy_id}/withdraw", json={"reason": "Replaced trust-wide."}, headers=bearer)
    assert status_cell(client, "Recording during ultrasound") == "withdrawn"
    pages = pdf_pages(client, f"/published/{policy_id}.pdf")
    checked = clock().date()
    assert f"This policy was withdrawn on {checked:%d %b %Y} and no longer applies" in pages[0]
    assert f"Status checked on {checked:%d %b %Y}" in pages[0]
    assert all(f"WITHDRAWN on {checked:%d %b %Y}" in p for p in pages) and "SUSPENDED" not in " ".join(pages)


def test_a_pdf_etag_changes_with_the_status(client, services, people, tokens):
    policy_id = to_published(services, people)
    first = client.get(f"/published/{policy_id}.pdf")
    again = client.get(f"/published/{policy_id}.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    client.post(f"/api/v1/policies/{policy_id}/suspend", json={"reason": "Checking."},
                headers={"Authorization": f"Bearer {tokens['mary']}"})
    after = client.get(f"/published/{policy_id}.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]


def test_overdue_for_review_and_superseded_copies_say_so(client, services, people, clock):
    policy_id = to_published(services, people)
    review = published_version(services, policy_id)[0].review_date
    # The review opens three months ahead of the review date: the policy is still simply in force.
    clock.now = services.queries.policy(people["mary"], policy_id)["next_review_at"] + timedelta(hours=1)
    services.commands.fire_due_timers(clock())
    assert [t["name"] for t in services.queries.inbox(people["mary"])] == ["review_policy"]
    assert status_cell(client, "Recording during ultrasound") == "in force"
    clock.now = clock.now + timedelta(days=(review - clock().date()).days + 3)
    assert status_cell(client, "Recording during ultrasound") == "overdue for review"
    notice = f"this policy remains in force while under review since {review:%d %b %Y}"
    assert f"Overdue for review: {notice}." in page(client, f"/published/{policy_id}")
    pages = pdf_pages(client, f"/published/{policy_id}.pdf")
    assert notice in pages[0] and all(f"remains in force while under review since {review:%d %b %Y}" in p
                                      for p in pages)

    republish_unchanged(services, people)
    assert status_cell(client, "Recording during ultrasound") == "in force"
    old = pdf_pages(client, f"/published/{policy_id}/v1.pdf")
    assert "This version is superseded. Version 1.1 is the current version." in old[0]
    assert all("SUPERSEDED by version 1.1" in p for p in old)  # reviewed without change: a minor version
    assert "Overdue" not in " ".join(old)
