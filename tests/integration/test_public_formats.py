"""Formats for everyone: every PDF is tagged PDF/UA-1 with its language and title (what a screen
reader is told, read with Poppler's pdfinfo), the large-print copy has no text under 18 pt, and
every copy says how to get other formats and languages, with the contact."""
from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from tests.answers import answers_for
from tests.html import visible_text
from tests.lifecycle import to_published


def pdfinfo(data: bytes, tmp_path) -> dict:
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def text_sizes(reader: PdfReader) -> list[float]:
    """The size each piece of text is drawn at, in points (font size times the text matrix's scale)."""
    sizes = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            sizes.append(round(size * (tm[3] or 1) * (cm[3] or 1), 1))
    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("url", ["/published/{id}.pdf", "/published/{id}/v1.pdf", "/published/{id}/large-print.pdf"])
def test_every_pdf_is_tagged_with_language_and_title(client, services, people, tmp_path, url):
    policy_id = to_published(services, people)
    response = client.get(url.format(id=policy_id))
    info = pdfinfo(response.data, tmp_path)
    assert info["Tagged"] == "yes" and info["Title"].startswith("Recording during ultrasound (version 1")
    assert info["Page size"].startswith("595.") and "(A4)" in info["Page size"]
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert b"pdfuaid:part" in reader.trailer["/Root"]["/Metadata"].get_data()  # declares PDF/UA-1


def test_large_print_is_the_same_document_at_18_points_or_more(client, services, people):
    policy_id = to_published(services, people)
    standard = PdfReader(io.BytesIO(client.get(f"/published/{policy_id}.pdf").data))
    large = PdfReader(io.BytesIO(client.get(f"/published/{policy_id}/large-print.pdf").data))
    assert min(text_sizes(large)) >= 18 > min(text_sizes(standard))
    text = " ".join(" ".join(p.extract_text() for p in large.pages).split())
    draft = answers_for("revise_policy.schema.json")
    for field in ("summary", "how_to_ask", "contact"):
        assert " ".join(draft[field].split()) in text, field
    assert "Document control" in text and len(large.pages) > len(standard.pages)


def test_every_copy_says_how_to_get_other_formats_and_languages(client, services, people):
    policy_id = to_published(services, people)
    contact = answers_for("revise_policy.schema.json")["contact"]
    page = " ".join(visible_text(client.get(f"/published/{policy_id}").get_data(as_text=True)).split())
    assert "Other formats and languages: this information is available in large print (large-print PDF)" in page
    assert f"Contact: {contact}" in page
    assert f'href="/published/{policy_id}/large-print.pdf"' in client.get(f"/published/{policy_id}").get_data(as_text=True)
    for url in (f"/published/{policy_id}.pdf", f"/published/{policy_id}/large-print.pdf"):
        first = " ".join(PdfReader(io.BytesIO(client.get(url).data)).pages[0].extract_text().split())
        assert "Other formats and languages: this information is available in large print" in first
        assert f"Contact: {contact}" in first, url
