"""Valid answers for each form of the default diagram, keyed by form file name.

Tests and benchmarks complete tasks with these; ``answers_for(form, **changes)``
returns a fresh copy with some fields changed. The publication's effective date is
a week after today, so it is never in the past for a test that does not move its clock.
"""
from __future__ import annotations

import copy
from datetime import date, timedelta

EFFECTIVE_DATE = (date.today() + timedelta(days=7)).isoformat()

_DRAFT = {
    "organisation": "Riverside NHS Foundation Trust",
    "owner": "Imaging Services Manager, Ultrasound",
    "summary": "You may photograph the image on the screen at the end of your scan if the sonographer agrees.",
    "purpose": "To let families keep a picture of their scan while protecting care, staff and other people's privacy.",
    "decision": "permitted_with_conditions",
    "scope": ["images_on_screen"],
    "conditions": "Only the image on screen, only at the end of the scan, when the sonographer agrees.",
    "conversations": "Conversations with the sonographer may not be recorded.",
    "covert_recording": "Recording without telling staff is not allowed; staff will ask you to stop.",
    "social_media": "Do not share images that show staff or other patients.",
    "others_privacy": "Never record other patients or visitors in the waiting area.",
    "exceptions": "Images given by sonographers under the agreed souvenir-image procedure.",
    "how_to_ask": "Ask the sonographer at the start of the scan.",
    "staff_opt_out": "Any sonographer may decline to be recorded; a colleague takes over where possible.",
    "response_procedure": "Staff will ask you to stop, pause the examination and call the lead sonographer if it continues.",
    "unreported_abnormality_handling": "Patients are told recordings are not diagnostic; the report is the record.",
    "modalities": ["obstetric_ultrasound", "ultrasound"],
    "settings": "Antenatal ultrasound rooms 1-4 at the main site.",
    "contact": "Ultrasound reception 01234 567890; concerns and complaints: PALS, pals@riverside.example.",
    "incident_reporting": "Report filming without permission on the incident system within 24 hours.",
    "notice_before_exam": "Appointment letter explains the policy.",
    "notice_at_exam": "A poster in each room and a verbal reminder at the start.",
    "review_interval_months": 12,
    "author": "Lead Sonographer, Obstetric Ultrasound",
    "examinations_needing_care": ["intimate_examinations"],
    "fetal_sex": "We do not tell you your baby's sex at the 20-week scan.",
    "screening_scans": "The 12-week and 20-week scans are medical screening examinations.",
    "unexpected_findings": "If something unexpected is found, recording stops and we offer you support.",
    "video_calls": "You may video call a partner who cannot come, at the end of the scan.",
    "children_attending": "Please do not bring children to your scan.",
    "souvenir_images": "Printed pictures cost £5, paid by card at reception.",
    "intimate_examinations": "Internal scans are never photographed or filmed; you will be offered a chaperone.",
    "filming_children": "Parents may take one photograph of the screen at the end of their child's scan.",
    "safeguarding_link": "https://www.riverside.example/policies/safeguarding-children",
    "others_in_room": "A student or chaperone may be with you; they are asked before anyone records.",
    "data_protection": "A recording you make of your own care is yours; staff may ask but cannot make you delete it.",
    "guidance_title": "The Recording of Images During Diagnostic Examinations (Society and College of Radiographers)",
    "guidance_date": "2010-04-01",
    "related_documents": "Chaperone policy https://www.riverside.example/policies/chaperones\nSafeguarding children policy",
    "easy_read": "You can take a photo of the screen at the end.\nAsk the sonographer first.",
    "easy_read_picture": "A parent holding a phone up to a scan screen.",
}

ANSWERS = {
    "draft_policy.schema.json": _DRAFT,
    "revise_policy.schema.json": {**_DRAFT, "revision_notes": "Added the staff opt-out arrangements raised in consultation."},
    "risk_assessment.schema.json": {
        "medico_legal_likelihood": 3, "medico_legal_impact": 3,
        "medico_legal_mitigations": "Tell patients the recording is not diagnostic.",
        "unreported_abnormality": "Possible if a patient records an image before the report.",
        "conversations_recorded": "Audio recording is not permitted.",
        "employer_aware_of_arrangements": True,
        "staff_preferences_likelihood": 2, "staff_preferences_impact": 3,
        "staff_preferences_mitigations": "Individual opt-outs are honoured.",
        "staff_group_view": "Most of the team accept recording of the screen only.",
        "distraction_likelihood": 2, "distraction_impact": 3,
        "distraction_mitigations": "Recording only at the end of the scan.",
        "duration_likelihood": 2, "duration_impact": 2,
        "duration_mitigations": "One minute at the end of the scan at most.",
        "rationale": "Screen images at the end of the scan keep all four risks low to medium.",
    },
    "risk_reassessment.schema.json": None,  # the assessment with residual scores and owners: filled in below
    "equality_impact.schema.json": {
        **{f"impact_{name}": "neutral" for name in (
            "age", "disability", "gender_reassignment", "marriage_civil_partnership", "pregnancy_maternity", "race",
            "religion_belief", "sex", "sexual_orientation", "carers")},
        "impact_disability": "positive",
        "impact_notes": "Screened with the Maternity Voices Partnership and two years of PALS feedback.",
        "reasonable_adjustments": "Patients who need it may audio-record the explanation as an aid for memory.",
        "language_needs": "The poster and easy-read version are translated; interpreters explain the policy.",
        "outcome": "adjust", "assessed_on": "2026-10-02",
    },
    "information_governance.schema.json": {
        "decision": "approved", "patient_recordings": "personal_use_not_controller",
        "trust_images": "controller_retention_set", "others_captured": "privacy_protected",
        "reviewed_on": "2026-10-05",
    },
    "ratification.schema.json": {
        "decision": "approved", "committee": "Clinical Governance Committee", "meeting_date": "2026-10-20",
        "minute_reference": "CGC/2026/114",
    },
    "incident_governance.schema.json": {"assessment": "advice_given", "notes": "Advised the department on notices."},
    "staff_consultation.schema.json": {"willing_to_be_filmed": "willing", "comments": "Fine with the screen only."},
    "patient_consultation.schema.json": {
        "liaison_group": "Maternity Voices Partnership", "consulted_on": "2026-10-01", "view": "support",
        "comments": "Parents value a picture of the screen.", "publicly_available_agreed": True,
    },
    "employer_signoff.schema.json": {"decision": "approved", "risk_strategy_checked": True},
    "insurer_signoff.schema.json": {"decision": "approved", "insurance_arrangements_confirmed": True},
    "justify_warning_signs.schema.json": {"justification": "The group's concerns are met by the screen-only rule."},
    "publish_policy.schema.json": {"effective_date": EFFECTIVE_DATE, "publication_notes": "Staff briefed at the team meeting."},
    "review_policy.schema.json": {"outcome": "no_changes", "review_notes": "No incidents; policy still fits."},
    "acknowledge_policy.schema.json": {"read_and_understood": True},
    "incident_review.schema.json": {"decision": "no_review", "notes": "Handled at the time; the policy worked."},
}


ANSWERS["risk_reassessment.schema.json"] = {
    **ANSWERS["risk_assessment.schema.json"],
    **{f"{risk}_residual_{part}": 2 for risk in ("medico_legal", "staff_preferences", "distraction", "duration")
       for part in ("likelihood", "impact")},
    "medico_legal_owner": "Imaging Services Manager", "staff_preferences_owner": "Lead Sonographer",
    "distraction_owner": "Lead Sonographer", "duration_owner": "Ultrasound Department Manager",
}


def answers_for(form: str, **changes) -> dict:
    return {**copy.deepcopy(ANSWERS[form]), **changes}
