"""The published policy is a document patients can read, print and trust: its sections in the
order the public needs them, one source for each thing it says, no internal fields, document
control saying what really happened, every earlier version readable, and the same as a PDF."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.answers import answers_for
from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import (
    approve_and_publish,
    complete,
    republish_unchanged,
    resubmit,
    revise,
    to_published,
    to_signoff,
)

HEADINGS = ["Summary", "Purpose of this policy", "Who this policy applies to", "What you may and may not do",
            "How to ask", "If you are having a pregnancy scan", "Intimate examinations", "Other people in the room",
            "Staff who prefer not to be filmed", "If recording starts without permission", "Why we ask this",
            "Your recording and your personal data", "Where this policy applies", "Contact and complaints",
            "Document control"]


def public_page(app, url: str):
    response = app.test_client().get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def pdf_text(app, url: str) -> str:
    response = app.test_client().get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", url
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_sections_come_in_the_order_the_public_reads_them(app, services, people):
    policy_id = to_published(services, people)
    html = public_page(app, f"/published/{policy_id}")
    assert re.findall(r"<h2[^>]*>([^<]+)</h2>", html) == HEADINGS
    text = visible_text(html)
    draft = answers_for("revise_policy.schema.json")
    for field in ("summary", "purpose", "how_to_ask", "covert_recording", "social_media", "others_privacy",
                  "settings", "staff_opt_out", "response_procedure"):
        assert text.count(draft[field]) == 1, f"{field} is said exactly once"
    # The contact: in its section, and quoted in the "other formats and languages" line near the top.
    assert text.count(draft["contact"]) == 2 and "Other formats and languages:" in text
    assert text.index(draft["summary"]) < text.index(draft["purpose"]) < text.rindex(draft["contact"])


def test_no_internal_field_risk_score_or_staff_count_below_five_is_published(app, services, people):
    policy_id = to_published(services, people)
    text = visible_text(public_page(app, f"/published/{policy_id}"))
    draft = answers_for("revise_policy.schema.json")
    for internal in ("revision_notes", "incident_reporting", "notice_before_exam", "notice_at_exam"):
        assert draft[internal] not in text, internal
    assert "Review interval" not in text and "risk rating" not in text.lower() and "Moderate" not in text
    assert "3 members of staff" not in text and "asked not to be filmed" not in text


def test_a_large_team_is_counted(app, services, people):
    for n in range(3):
        services.accounts.add_user(f"extra{n}", PASSWORD, ["staff"], department="Ultrasound")
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    for name in ("sam", "alex", "kim", "extra0", "extra1", "extra2"):
        actor = people.get(name) or services.accounts.authenticate(name, PASSWORD)
        complete(services, actor, "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    revise(services, people)
    approve_and_publish(services, people)
    text = visible_text(public_page(app, f"/published/{policy_id}"))
    assert "6 members of staff were asked individually" in text and "Staff, individually (6 people)" in text


def test_a_field_that_does_not_apply_is_not_published(app, services, people):
    """Conditions typed under "permitted with conditions" and left when the decision became "not permitted"
    would contradict the decision: the document leaves them out."""
    policy_id = to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="Not permitted.")
    resubmit(services, people, decision="not_permitted")
    approve_and_publish(services, people)
    text = visible_text(public_page(app, f"/published/{policy_id}"))
    assert "Recording during your examination Not permitted" in text
    assert answers_for("revise_policy.schema.json")["conditions"] not in text


def test_document_control_says_who_approved_or_reviewed_this_version(app, services, people, clock):
    policy_id = to_published(services, people)
    first = visible_text(public_page(app, f"/published/{policy_id}"))
    assert "Ratified byClinical Governance Committee, 20 Oct 2026 (minute CGC/2026/114) " \
        f"Signed off byEmployer (risk management), {clock().date():%d %b %Y}Insurer, {clock().date():%d %b %Y}" \
        in first
    assert "Riverside NHS Foundation Trust" in first and "Imaging Services Manager, Ultrasound" in first

    services.commands.fire_due_timers(clock.advance(days=400))
    republish_unchanged(services, people)
    second = visible_text(public_page(app, f"/published/{policy_id}"))
    # A review without change is a minor version, said in words: no option label ("No changes: republish").
    assert "No changes" not in second and "republish" not in second
    assert "Reviewed without change; no new sign-off. Signed off for version 1 by" in second
    # The committee confirmed it (the review was its evidence).
    assert f"Version 1.1 — reviewed without change on {clock().date():%d %b %Y}, confirmed by Clinical Governance " \
        "Committee on 20 Oct 2026" in second
    assert "Confirmed byClinical Governance Committee, 20 Oct 2026" in second
    assert f"Version 1.1 {clock().date():%d %b %Y} {clock().date():%d %b %Y} Reviewed without change on " \
        f"{clock().date():%d %b %Y} Current" in second
    assert "Version 1 " in second and "First version Superseded from" in second

    old = visible_text(public_page(app, f"/published/{policy_id}/v1"))
    assert "This version is superseded." in old and "Read the current version (version 1.1)" in old


def test_the_pdf_is_the_same_document_with_version_date_and_uncontrolled_footer(app, services, people, clock):
    policy_id = to_published(services, people)
    page = public_page(app, f"/published/{policy_id}")
    assert re.search(rf'<a class="button secondary" href="/published/{policy_id}.pdf" download>', page)
    text = " ".join(pdf_text(app, f"/published/{policy_id}.pdf").split())
    for heading in HEADINGS:
        assert heading in text, heading
    assert answers_for("revise_policy.schema.json")["how_to_ask"] in text
    assert f"version 1 · effective {clock().date():%d %b %Y} · uncontrolled when printed" in text
    assert "Page 1 of" in text

    services.commands.fire_due_timers(clock.advance(days=400))
    republish_unchanged(services, people)
    old = " ".join(pdf_text(app, f"/published/{policy_id}/v1.pdf").split())
    assert "This version is superseded. Version 1.1 is the current version." in old and "version 1 ·" in old
    assert app.test_client().get(f"/published/{policy_id}/v7.pdf").status_code == 404
    # The file a reader saves is named with the version the document says, not the internal count.
    for url, name in ((f"/published/{policy_id}.pdf", f"policy-{policy_id}-version-1.1.pdf"),
                      (f"/published/{policy_id}/v1.pdf", f"policy-{policy_id}-version-1.pdf"),
                      (f"/published/{policy_id}/large-print.pdf", f"policy-{policy_id}-version-1.1-large-print.pdf")):
        saved = app.test_client().get(url).headers["Content-Disposition"]
        assert saved == f'inline; filename="{name}"', url


def test_document_control_in_the_page_and_the_pdf(app, services, people, clock):
    policy_id = to_published(services, people)
    text = visible_text(public_page(app, f"/published/{policy_id}"))
    today = f"{clock().date():%d %b %Y}"
    for said in (f"ReferenceIMG-REC-{policy_id:03d}", "AuthorLead Sonographer, Obstetric Ultrasound",
                 f"Staff, individually, {today}", "Maternity Voices Partnership (patient group), 01 Oct 2026",
                 "Related documentsChaperone policySafeguarding children policy",
                 "The Recording of Images During Diagnostic Examinations (Society and College of Radiographers) "
                 "(01 Apr 2010)", "Version 1 ", "First version Current"):
        assert said in text, said
    page = public_page(app, f"/published/{policy_id}")
    assert '<a href="https://www.riverside.example/policies/chaperones">Chaperone policy</a>' in page
    pdf = " ".join(pdf_text(app, f"/published/{policy_id}.pdf").split())
    for said in (f"Reference IMG-REC-{policy_id:03d}", "Author Lead Sonographer, Obstetric Ultrasound",
                 "Maternity Voices Partnership (patient group), 01 Oct 2026",
                 "Chaperone policy (https://www.riverside.example/policies/", "Summary of changes",
                 "First version", "If you are having a pregnancy scan", "Your baby's sex"):
        assert said in pdf, said


def test_the_easy_read_version_and_every_other_format_are_linked_from_the_page(app, services, people):
    policy_id = to_published(services, people)
    page = public_page(app, f"/published/{policy_id}")
    for url in (f"/published/{policy_id}/large-print.pdf", f"/published/{policy_id}/easy-read",
                f"/published/{policy_id}/notices", f"/published/{policy_id}/poster.pdf"):
        assert f'href="{url}"' in page, url
        assert app.test_client().get(url).status_code == 200, url
    easy = visible_text(public_page(app, f"/published/{policy_id}/easy-read"))
    assert "You can take a photo of the screen at the end." in easy and "Ask the sonographer first." in easy
    assert "Picture: A parent holding a phone up to a scan screen." in easy and "Read the full policy" in easy


def test_without_an_easy_read_summary_there_is_no_link_and_no_page(app, services, people):
    policy_id = services.commands.start(people["mary"], "Recording during X-ray", "Ultrasound")
    complete(services, people["mary"], "draft_policy", easy_read="")
    complete(services, people["mary"], "assess_risks")
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    revise(services, people, easy_read="")
    approve_and_publish(services, people)
    assert "easy-read" not in public_page(app, f"/published/{policy_id}")
    response = app.test_client().get(f"/published/{policy_id}/easy-read")
    assert response.status_code == 404 and "no easy read version" in response.get_data(as_text=True)
