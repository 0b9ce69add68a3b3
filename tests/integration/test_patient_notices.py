"""Notices that reach patients before the scan: the notices page (letter paragraph, a text message of
at most 160 characters with the short link, a booking line) and the A4 poster with the decision, three
lines from the summary and a QR code, each written from the published version, never the draft."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.answers import answers_for
from tests.html import visible_text
from tests.integration.test_public_formats import pdfinfo
from tests.lifecycle import complete, to_published

BASE = "http://127.0.0.1:5000"


def copy_texts(html: str) -> dict[str, str]:
    return {name: " ".join(visible_text(text).split())
            for name, text in re.findall(r'<p class="copy-text" id="([\w-]+)-text">(.*?)</p>', html, re.S)}


def test_the_notices_page_gives_each_text_to_copy(client, services, people):
    policy_id = to_published(services, people)
    html = client.get(f"/published/{policy_id}/notices").get_data(as_text=True)
    texts = copy_texts(html)
    assert set(texts) == {"letter", "text-message", "booking"}
    assert len(texts["text-message"]) <= 160 and texts["text-message"].endswith(f"{BASE}/p/{policy_id}")
    assert "permitted with conditions" in texts["letter"] and f"{BASE}/published/{policy_id}" in texts["letter"]
    assert texts["booking"].startswith("Recording during your examination: Permitted with conditions.")
    assert html.count('class="button secondary copy-button"') == 3 and "js/copy-text.js" in html
    short = client.get(f"/p/{policy_id}")
    assert short.status_code == 302 and short.headers["Location"].endswith(f"/published/{policy_id}")


def test_notices_follow_the_published_version_not_the_draft(client, services, people, clock):
    policy_id = to_published(services, people)
    services.commands.fire_due_timers(clock.advance(days=400))
    complete(services, people["mary"], "review_policy", outcome="full_review")
    complete(services, people["mary"], "draft_policy", decision="not_permitted")
    texts = copy_texts(client.get(f"/published/{policy_id}/notices").get_data(as_text=True))
    assert "Permitted with conditions" in texts["booking"], "the draft in progress is not published"


def test_the_poster_is_a_tagged_a4_page_with_decision_lines_and_qr_code(client, services, people, tmp_path):
    policy_id = to_published(services, people)
    response = client.get(f"/published/{policy_id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    info = pdfinfo(response.data, tmp_path)
    assert info["Tagged"] == "yes" and info["Pages"] == "1" and "(A4)" in info["Page size"]
    assert info["Title"].startswith("Poster: Recording during ultrasound")
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "Recording during your examination: Permitted with conditions" in text
    summary = answers_for("revise_policy.schema.json")["summary"]
    assert " ".join(summary.split()).split(". ")[0] in text
    assert f"{BASE}/published/{policy_id}" in text and "Other formats and languages" in text
    assert b"/Subtype /Form" in response.data or len(response.data) > 5000  # the QR code is drawn as vectors


def test_a_suspended_policy_no_longer_tells_patients_recording_is_permitted(client, services, people, tokens):
    """The poster and the notices page carry the status; while the policy does not apply, the poster asks
    patients to ask staff, and there is no wording to send."""
    policy_id = to_published(services, people)
    client.post(f"/api/v1/policies/{policy_id}/suspend", json={"reason": "Checking."},
                headers={"Authorization": f"Bearer {tokens['mary']}"})
    poster = " ".join(PdfReader(io.BytesIO(client.get(f"/published/{policy_id}/poster.pdf").data))
                      .pages[0].extract_text().split())
    assert "This policy has been suspended since" in poster
    assert "This policy has been suspended since" in client.get(f"/published/{policy_id}/notices").get_data(as_text=True)
    assert "Recording during your examination: Ask staff before you record" in poster
    assert "Permitted with conditions" not in poster
    page = client.get(f"/published/{policy_id}/notices").get_data(as_text=True)
    assert copy_texts(page) == {}
    assert "there is no wording to send patients" in " ".join(visible_text(page).split())
    client.post(f"/api/v1/policies/{policy_id}/resume", json={},
                headers={"Authorization": f"Bearer {tokens['mary']}"})
    page = client.get(f"/published/{policy_id}/notices").get_data(as_text=True)
    assert "permitted with conditions" in copy_texts(page)["letter"]
