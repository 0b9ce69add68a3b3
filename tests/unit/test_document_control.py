"""Document control is read through form marks and lifecycle steps: a diagram with a committee's
ratification, an equality impact assessment and an information-governance review shows them,
and one without shows the sign-offs as before; the patients' questions appear only when they apply."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from tests.answers import answers_for
from workflows.policies import documents
from workflows.policies.decisions import Decision
from workflows.policies.document_control import StepAnswers, related_documents, version_label

FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
DRAFT_FORM = json.loads((FORMS / "draft_policy.schema.json").read_text())
AT = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)
RATIFICATION_FORM = {"properties": {
    "committee": {"type": "string", "x-role": "group-name"},
    "meeting_date": {"type": "string", "format": "date"},
    "minute": {"type": "string", "x-role": "minute-reference"},
    "amendments": {"type": "string", "x-role": "amendments"},
    "decision": {"type": "string", "enum": ["approved", "approved_with_amendments", "not_approved"],
                 "x-role": "outcome", "x-approvedWhen": ["approved", "approved_with_amendments"]}}}
IG_FORM = {"properties": {
    "reviewed_on": {"type": "string", "format": "date"},
    "position": {"type": "string", "x-publicSection": "data_protection"}}}


def signoff(step: str, lane: str) -> Decision:
    return Decision(step, step, lane, "someone", AT, "Approved", True, [])


def compose(draft: dict, **kwargs) -> dict:
    return documents.compose(DRAFT_FORM, draft, staff_consulted=kwargs.pop("staff", 3),
                             cycle=kwargs.pop("cycle", [signoff("employer_signoff", "employer")]),
                             previous=kwargs.pop("previous", None), **kwargs)


def headings(content: dict) -> list[str]:
    return [section["heading"] for section in content["sections"]]


def test_patients_questions_appear_only_when_the_draft_says_they_apply():
    everything = answers_for("draft_policy.schema.json", examinations_needing_care=["intimate_examinations",
                                                                                   "paediatric"])
    shown = headings(compose(everything))
    for heading in ("If you are having a pregnancy scan", "Intimate examinations", "If your child is having a scan",
                    "Other people in the room", "Your recording and your personal data"):
        assert heading in shown
    general = answers_for("draft_policy.schema.json", modalities=["general_radiography"], examinations_needing_care=[])
    content = compose(general)
    shown = headings(content)
    assert "If you are having a pregnancy scan" not in shown and "Intimate examinations" not in shown
    assert "If your child is having a scan" not in shown
    assert "Other people in the room" in shown and "Your recording and your personal data" in shown
    assert "20-week scan" not in json.dumps(content["sections"])
    children = next(s for s in compose(everything)["sections"] if s["id"] == "children")
    assert children["blocks"][1] == {"label": "Safeguarding children", "text": None, "points": None,
                                     "link": "https://www.riverside.example/policies/safeguarding-children"}


def test_ratification_equality_and_information_governance_are_read_through_their_marks():
    draft = answers_for("draft_policy.schema.json")
    ratified = StepAnswers("ratification", AT, RATIFICATION_FORM, {
        "committee": "Clinical Governance Committee", "meeting_date": "2026-03-09", "minute": "CGC/26/041",
        "amendments": "Typo in the contact line.", "decision": "approved_with_amendments"})
    equality = StepAnswers("equality_impact", AT, {"properties": {}}, {})
    governance = StepAnswers("information_governance", AT, IG_FORM, {"reviewed_on": "2026-02-20",
                                                                     "position": "Your recording is yours."})
    content = compose(draft, steps=[equality, governance, ratified], cycle_steps=[ratified],
                      later_sources=[(IG_FORM, governance.answers)])
    assert content["ratification"] == {"committee": "Clinical Governance Committee", "date": "2026-03-09",
                                       "minute_reference": "CGC/26/041", "with_amendments": True,
                                       "amendments": "Typo in the contact line."}
    assert content["equality_impact_on"] == "2026-03-10" and content["information_governance_on"] == "2026-02-20"
    section = next(s for s in content["sections"] if s["id"] == "data_protection")
    assert [b["text"] for b in section["blocks"]] == ["Your recording is yours."]  # the IG review's, not the draft's

    refused = StepAnswers("ratification", AT, RATIFICATION_FORM, {"committee": "CGC", "decision": "not_approved"})
    assert compose(draft, steps=[refused], cycle_steps=[refused])["ratification"] is None
    assert compose(draft)["ratification"] is None and compose(draft)["approvals"][0]["lane"] == "employer"


def test_consultees_with_dates_counts_from_five_and_the_patient_group_by_name():
    group_form = json.loads((FORMS / "patient_consultation.schema.json").read_text())
    staff = [StepAnswers("staff_consultation", AT.replace(day=day), {}, {}) for day in (2, 5, 9)]
    group = StepAnswers("patient_consultation", AT, group_form, answers_for("patient_consultation.schema.json"))
    small = compose(answers_for("draft_policy.schema.json"), cycle_steps=[*staff, group])["consultation"]
    assert small == {"staff_asked": True, "staff_consulted": None, "staff_from": "2026-03-02",
                     "staff_to": "2026-03-09", "patient_liaison_consulted": True,
                     "patient_group": "Maternity Voices Partnership", "patient_group_on": "2026-10-01"}
    assert compose(answers_for("draft_policy.schema.json"), staff=6)["consultation"]["staff_consulted"] == 6


def test_versions_reviewed_without_change_are_minor_with_their_summary():
    draft = answers_for("draft_policy.schema.json")
    first = {**compose(draft), "number": 1}
    assert first["version_label"] == "1" and first["changes"] == {"kind": "first"}
    review = Decision("Review the policy", "review", "manager", "mary", AT, "No changes: republish", False, [])
    minor = {**compose(draft, cycle=[review], previous=first), "number": 2}
    assert minor["version_label"] == "1.1" and minor["changes"] == {"kind": "unchanged", "reviewed_on": "2026-03-10"}
    assert "No changes" not in json.dumps(minor) and minor["carried_approvals"]["version"] == "1"
    revised = compose({**draft, "how_to_ask": "Ask at reception."}, previous=minor,
                      revision_notes=["How to ask now starts at reception."])
    assert revised["version_label"] == "2"
    assert revised["changes"] == {"kind": "revised", "sections": ["How to ask"],
                                  "notes": ["How to ask now starts at reception."]}
    assert version_label("2.3", signed_off=False) == "2.4" and version_label("2.3", signed_off=True) == "3"


def test_related_documents_take_a_link_at_the_end_of_their_line():
    assert related_documents("Chaperone policy https://x.example/c\nConsent policy – https://x.example/k\n\n"
                             "Recording a birth") == [
        {"title": "Chaperone policy", "url": "https://x.example/c"},
        {"title": "Consent policy", "url": "https://x.example/k"},
        {"title": "Recording a birth", "url": None}]
