"""Demo policies, so every page has something in it: an obstetric policy ratified by the committee
after an equality impact assessment and an information governance review, then reviewed without
change as version 1.1 (every patients' question it can answer, an easy read summary, a Welsh
translation and three incidents), one in progress, one suspended, and one that comes into force
next month.

They are carried through the real commands (each step run by the diagram, each
answer checked by its form, each change audited) as the demo people would, on a
clock set in the past so the published one has a superseded first version and a
review behind it. Tasks are found by the form they ask for, never by element id.
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from workflows.errors import PolicyflowError
from workflows.people.accounts import Actor
from workflows.policies.incidents import Incidents
from workflows.storage.schema import Policy, User

PUBLISHED_TITLE = "Recording during obstetric ultrasound scans"
IN_PROGRESS_TITLE = "Recording during general ultrasound examinations"
SUSPENDED_TITLE = "Recording during breast imaging"
COMING_TITLE = "Recording during children's ultrasound scans"
TITLES = (PUBLISHED_TITLE, IN_PROGRESS_TITLE, SUSPENDED_TITLE, COMING_TITLE)
STAFF = ("sonographer1", "sonographer2", "radiographer1")

_DRAFT = {
    "organisation": "Riverside NHS Foundation Trust",
    "owner": "Imaging Services Manager, Ultrasound",
    "summary": "You may take a photograph of the image on the screen at the end of your scan, if the sonographer "
               "agrees. Please do not film the scan itself or record what staff say.",
    "purpose": "Many families would like a picture of their baby's scan. This policy explains what you may record "
               "and why, so that your scan has the sonographer's full attention and everyone's privacy is protected.",
    "decision": "permitted_with_conditions",
    "scope": ["images_on_screen"],
    "conditions": "Only the image on the screen, only at the end of the scan, and only when the sonographer has "
                  "finished and agrees.",
    "conversations": "Please do not record conversations. If the sonographer needs to discuss a finding, recording "
                     "stops.",
    "covert_recording": "Please tell the sonographer before you record anything. If staff find a recording being "
                        "made without their knowledge, they will ask you to stop.",
    "social_media": "You may share your photograph of the screen. Please do not share anything that shows a member "
                    "of staff or another patient.",
    "others_privacy": "Please never photograph or film other patients or visitors, in the waiting area or anywhere "
                      "else.",
    "exceptions": "Sonographers may give you printed images under the department's souvenir-image procedure.",
    "how_to_ask": "Ask the sonographer at the start of your scan. They will tell you when you can take your photograph.",
    "staff_opt_out": "Any sonographer may decline to be photographed or recorded. If that happens, another "
                     "sonographer takes over where possible, or you may take a picture of a printed image instead.",
    "response_procedure": "Staff will ask you to stop and explain this policy. If recording continues they will pause "
                          "the scan and ask the lead sonographer to help.",
    "unreported_abnormality_handling": "A photograph of the screen is not a diagnosis. Your scan is reported "
                                       "separately by the sonographer, and that report is what counts.",
    "modalities": ["obstetric_ultrasound"],
    "settings": "Antenatal ultrasound rooms 1 to 4 at Riverside General Hospital.",
    "contact": "Questions: Ultrasound reception, 01234 567890. Concerns and complaints: the Patient Advice and Liaison "
               "Service (PALS), 01234 567000, pals@riverside.example.",
    "incident_reporting": "Report filming without permission on the incident system within 24 hours.",
    "notice_before_exam": "The appointment letter and text message explain the policy.",
    "notice_at_exam": "A poster in each room; the sonographer reminds you before starting.",
    "review_interval_months": 12,
    "author": "Lead Sonographer, Obstetric Ultrasound",
    "examinations_needing_care": ["intimate_examinations", "paediatric"],
    "fetal_sex": "We do not look for or tell you your baby's sex at the 20-week scan. Please do not ask the "
                 "sonographer to show it on the screen or write it down.",
    "screening_scans": "Your 12-week and 20-week scans are medical screening examinations. For the first part of the "
                       "scan the sonographer checks your baby carefully and needs quiet to concentrate.",
    "unexpected_findings": "If the sonographer sees something that needs checking, they will ask you to stop "
                           "recording, explain what happens next and make sure you have support.",
    "video_calls": "You may video call a partner who cannot come, for the last few minutes of the scan, once the "
                   "sonographer has finished checking your baby.",
    "children_attending": "Please do not bring children to your scan. If you have no childcare, call us before your "
                          "appointment.",
    "souvenir_images": "You can buy printed pictures of your baby at the end of the scan: £5 for one, paid by card "
                       "at reception.",
    "intimate_examinations": "Internal scans (through the vagina or the back passage) are never photographed or "
                             "filmed by anyone. You will be offered a chaperone.",
    "filming_children": "When your child is scanned you may take one photograph of the screen at the end. Please "
                        "never film your child undressed.",
    "safeguarding_link": "https://www.riverside.example/policies/safeguarding-children",
    "others_in_room": "A student, a chaperone or an interpreter may be with you; they are asked before anyone "
                      "records. If someone with you wants to film, we ask you first whether you agree.",
    "data_protection": "A recording you make of your own care is yours. Staff may ask you not to share parts that "
                       "show other people, but they cannot make you delete it or take your phone. Pictures the "
                       "hospital gives you are copies of your hospital records.",
    "guidance_title": "The recording of images during diagnostic or screening obstetric ultrasound examinations "
                      "(Society and College of Radiographers)",
    "guidance_date": "2010-04-01",
    "related_documents": "Chaperone policy https://www.riverside.example/policies/chaperones\n"
                         "Consent to examination and treatment policy\n"
                         "Safeguarding children policy https://www.riverside.example/policies/safeguarding-children\n"
                         "Violence and aggression policy\nInformation governance policy\nSocial media policy\n"
                         "Recording a birth policy",
    "easy_read": "You can take a photo of the screen at the end of your scan.\nAsk the sonographer first.\n"
                 "Do not film the scan.\nDo not record what staff say.\nSome staff do not want to be in photos.\n"
                 "If you are worried, talk to the staff.",
    "easy_read_picture": "A parent holding a phone up to a scan screen, with the sonographer smiling.",
}
_WELSH = {
    "summary": "Cewch dynnu llun o'r ddelwedd ar y sgrin ar ddiwedd eich sgan, os yw'r sonograffydd yn cytuno. "
               "Peidiwch â ffilmio'r sgan ei hun na recordio'r hyn y mae staff yn ei ddweud.",
    "how_to_ask": "Gofynnwch i'r sonograffydd ar ddechrau eich sgan. Byddant yn dweud wrthych pryd y gallwch "
                  "dynnu eich llun.",
    "contact": "Cwestiynau: Derbynfa uwchsain, 01234 567890. Pryderon a chwynion: y Gwasanaeth Cyngor a Chyswllt "
               "i Gleifion (PALS), 01234 567000, pals@riverside.example.",
}
_RISKS = {
    "medico_legal_likelihood": 3, "medico_legal_impact": 3,
    "medico_legal_mitigations": "Patients are told a photograph is not diagnostic; the report is the record.",
    "unreported_abnormality": "A photograph taken before the report could show something not yet discussed.",
    "conversations_recorded": "Audio recording is not permitted.",
    "employer_aware_of_arrangements": True,
    "staff_preferences_likelihood": 2, "staff_preferences_impact": 3,
    "staff_preferences_mitigations": "Individual opt-outs are honoured; a colleague takes over.",
    "staff_group_view": "The team accepts photographs of the screen at the end of the scan.",
    "distraction_likelihood": 2, "distraction_impact": 3,
    "distraction_mitigations": "Photographs only once the scan is finished.",
    "duration_likelihood": 2, "duration_impact": 2,
    "duration_mitigations": "A minute at the end of the scan at most.",
    "rationale": "Photographs of the screen at the end of the scan keep every risk low or moderate once the "
                 "mitigations are in place.",
}
#: The reassessment after the consultations: staff preference re-scored from what staff said, each risk's
#: residual score and owner.
_REASSESSED = {
    **_RISKS,
    "staff_preferences_likelihood": 3,
    "staff_group_view": "Two of three sonographers accept photographs of the screen; one would rather not be "
                        "photographed at all, and is never asked to be.",
    "medico_legal_residual_likelihood": 2, "medico_legal_residual_impact": 2,
    "medico_legal_owner": "Imaging Services Manager",
    "staff_preferences_residual_likelihood": 1, "staff_preferences_residual_impact": 3,
    "staff_preferences_owner": "Lead Sonographer, Obstetric Ultrasound",
    "distraction_residual_likelihood": 1, "distraction_residual_impact": 3,
    "distraction_owner": "Lead Sonographer, Obstetric Ultrasound",
    "duration_residual_likelihood": 1, "duration_residual_impact": 2,
    "duration_owner": "Ultrasound Department Manager",
}
_EQUALITY = {
    "impact_age": "neutral", "impact_disability": "positive", "impact_gender_reassignment": "neutral",
    "impact_marriage_civil_partnership": "neutral", "impact_pregnancy_maternity": "negative", "impact_race": "neutral",
    "impact_religion_belief": "neutral", "impact_sex": "neutral", "impact_sexual_orientation": "neutral",
    "impact_carers": "positive",
    "impact_notes": "Most people affected are pregnant women and their partners: limiting recording to the screen at "
                    "the end keeps the screening examination safe while families still leave with a picture. "
                    "Screened with the Maternity Voices Partnership and two years of PALS feedback.",
    "reasonable_adjustments": "A patient who needs it (for example for memory or hearing) may audio-record the "
                              "sonographer's explanation at the end of the scan; a carer may take notes.",
    "language_needs": "The poster and easy read are translated into Welsh, Polish and Urdu; interpreters explain the "
                      "policy at the start of the scan.",
    "outcome": "adjust",
}
_GOVERNANCE = {"decision": "approved", "patient_recordings": "personal_use_not_controller",
               "trust_images": "controller_retention_set", "others_captured": "privacy_protected",
               "notes": "The public text says what the law allows: staff may ask, never compel, deletion."}
_RATIFIED = {"decision": "approved_with_amendments", "committee": "Clinical Governance Committee",
             "minute_reference": "CGC/114",
             "amendments": "Chair's action: 'PALS' spelled out in full in the contact section."}
_INCIDENTS = (
    {"occurred_on": 385, "description": "A partner filmed the whole scan on a phone without asking, including the "
                                       "sonographer's face.",
     "action_taken": "The sonographer paused the scan and explained the policy; the partner deleted the video.",
     "local_reference": "DATIX-24117", "category": "filming_staff", "harm": "low", "support_offered": True,
     "support_details": "The lead sonographer spoke with the sonographer the same day.", "escalated_to": [],
     "other_patients_captured": False},
    {"occurred_on": 40, "description": "A visitor photographed the waiting area, with other patients in view, and "
                                       "posted it online.",
     "action_taken": "Reception asked for it to be taken down; the post was removed the next day.",
     "local_reference": "DATIX-24390", "category": "social_media", "harm": "moderate", "support_offered": False,
     "escalated_to": ["communications", "information_governance"], "other_patients_captured": True},
    {"occurred_on": 12, "description": "A patient recorded the conversation about an unexpected finding without "
                                       "telling the sonographer.",
     "action_taken": "Recording stopped when noticed; the patient was offered support and a follow-up appointment.",
     "local_reference": "DATIX-24655", "category": "audio", "harm": "none", "support_offered": True,
     "support_details": "Offered a debrief to the sonographer.", "escalated_to": [], "other_patients_captured": False},
)
_LIAISON = {"liaison_group": "Riverside Maternity Voices Partnership", "view": "support_with_conditions",
            "comments": "Parents value a picture of the screen; please say clearly that it is not a diagnosis.",
            "publicly_available_agreed": True}


class DemoUnavailable(Exception):
    """The deployed diagram does not ask for the steps the demo policies take."""


class _DemoClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def later(self, **delta) -> None:
        self.now += timedelta(**delta)


def add_demo_policies(services, department: str) -> list[str]:
    """Add the two demo policies (unless they exist); return lines to print."""
    with services.database.reading() as session:
        existing = set(session.scalars(select(Policy.title).where(Policy.title.in_(TITLES))))
        people = {user.username: Actor.of(user) for user in session.scalars(select(User))}
    lines = []
    for title, make, told in ((PUBLISHED_TITLE, _published, "published (version 1.1, reviewed without change), "
                               "with every patients' question, easy read and Welsh"),
                              (IN_PROGRESS_TITLE, _in_progress, "waiting for the employer's sign-off, with warning signs"),
                              (SUSPENDED_TITLE, _suspended, "published, then suspended"),
                              (COMING_TITLE, _coming, "published, comes into force next month")):
        if title in existing:
            continue
        try:
            make(services, people, department)
        except (DemoUnavailable, PolicyflowError) as error:
            # A deployed diagram other than the default one may ask for other steps or answers.
            lines.append(f"Demo policy “{title}” stopped part-way: {error}")
        else:
            lines.append(f"Demo policy “{title}”: {told}")
    return lines



def _published(services, people: dict, department: str) -> None:
    today = services.clock().astimezone(timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0)
    clock = _DemoClock(today - timedelta(days=420))
    run = _Runner(services.commands.at(clock), services.queries, clock, people)
    policy_id = run.commands.start(people["manager"], PUBLISHED_TITLE, department)
    run.do("manager", policy_id, "draft_policy.schema.json", _DRAFT)
    run.do("manager", policy_id, "risk_assessment.schema.json", _RISKS)
    views = ({"willing_to_be_filmed": "willing", "comments": "Fine with photographs of the screen."},
             {"willing_to_be_filmed": "willing_with_conditions", "conditions": "Never my face."},
             {"willing_to_be_filmed": "not_willing", "comments": "I would rather not be photographed at all."})
    for name, view in zip(STAFF, views, strict=True):
        run.do(name, policy_id, "staff_consultation.schema.json", view)
    run.do("liaison", policy_id, "patient_consultation.schema.json",
           {**_LIAISON, "consulted_on": clock().date().isoformat()})
    run.do("equality", policy_id, "equality_impact.schema.json",
           {**_EQUALITY, "assessed_on": clock().date().isoformat()})
    run.do("manager", policy_id, "risk_reassessment.schema.json", _REASSESSED)
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**_DRAFT, "response_procedure": "Staff will ask you to stop and explain this policy.",
            "revision_notes": "Added that printed images remain available, as the liaison group suggested."})
    run.do("governance", policy_id, "information_governance.schema.json",
           {**_GOVERNANCE, "reviewed_on": clock().date().isoformat()})
    run.do("employer", policy_id, "employer_signoff.schema.json",
           {"decision": "changes_requested", "comments": "Say what staff do if recording continues after they ask."})
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**_DRAFT, "revision_notes": "Staff now pause the scan and call the lead sonographer if recording "
                                        "continues, as the employer asked."})
    run.do("governance", policy_id, "information_governance.schema.json",
           {**_GOVERNANCE, "reviewed_on": clock().date().isoformat()})
    run.do("employer", policy_id, "employer_signoff.schema.json", {"decision": "approved", "risk_strategy_checked": True})
    run.do("insurer", policy_id, "insurer_signoff.schema.json",
           {"decision": "approved", "insurance_arrangements_confirmed": True})
    run.do("committee", policy_id, "ratification.schema.json",
           {**_RATIFIED, "meeting_date": clock().date().isoformat()})
    run.do("manager", policy_id, "publish_policy.schema.json",
           {"effective_date": (clock().date() + timedelta(days=14)).isoformat(),
            "publication_notes": "Staff briefed at the team meeting."})
    # Each member of staff reads and acknowledges version 1 within a fortnight (a review without change asks no one again).
    for name in STAFF:
        clock.later(days=4)
        run.do(name, policy_id, "acknowledge_policy.schema.json", {"read_and_understood": True})
    # Nine months on, the review opens (three months ahead of its date) and finds nothing to change;
    # the committee confirms it and it is republished as version 1.1.
    _incidents(services, people, policy_id, today, _INCIDENTS[:1])
    clock.now = today - timedelta(days=90)
    services.commands.at(clock).fire_due_timers()
    run.do("manager", policy_id, "review_policy.schema.json",
           {"outcome": "no_changes", "review_notes": "One incident, handled as the policy says; no complaints. "
                                                     "The policy still fits.",
            "incidents_since_publication": "DATIX-24117: a partner filmed the scan; deleted when asked."})
    run.do("committee", policy_id, "ratification.schema.json",
           {"decision": "approved", "committee": "Clinical Governance Committee", "minute_reference": "CGC/131",
            "meeting_date": clock().date().isoformat()})
    run.do("manager", policy_id, "publish_policy.schema.json", {"effective_date": (clock().date() + timedelta(
        days=7)).isoformat()})
    _incidents(services, people, policy_id, today, _INCIDENTS[1:])
    services.translations.add(people["manager"], policy_id, {"language": "cy", "sections": _WELSH})


def _incidents(services, people: dict, policy_id: int, today: datetime, incidents: tuple) -> None:
    """Three incidents, each reviewed by the manager; the one that captured other patients went to
    information governance too. Two fall within the last twelve months, one short of the three that
    would open an early review by themselves."""
    for incident in incidents:
        clock = _DemoClock(today - timedelta(days=incident["occurred_on"]) + timedelta(hours=3))
        report = {**incident, "occurred_on": (today - timedelta(days=incident["occurred_on"])).date().isoformat()}
        Incidents(services.database, services.commands.at(clock), clock).report(
            people["sonographer1"], policy_id, report, complete=True)
        run = _Runner(services.commands.at(clock), services.queries, clock, people)
        if report["other_patients_captured"]:
            run.do("governance", policy_id, "incident_governance.schema.json",
                   {"assessment": "advice_given", "notes": "Not a breach by the trust: the visitor's post was "
                                                           "their own. Advised reception on asking for removal."})
        run.do("manager", policy_id, "incident_review.schema.json",
               {"decision": "no_review", "notes": "Handled at the time; the policy worked as written."})


def _signed_off(services, people: dict, department: str, title: str, draft: dict, days_ago: int,
                effective_in_days: int, liaison_group: str, minute_reference: str) -> int:
    """A policy carried straight through consultation and both sign-offs to publication, ratified
    without amendment at its own committee meeting."""
    clock = _DemoClock(services.clock().astimezone(timezone.utc) - timedelta(days=days_ago))
    run = _Runner(services.commands.at(clock), services.queries, clock, people)
    policy_id = run.commands.start(people["manager"], title, department)
    run.do("manager", policy_id, "draft_policy.schema.json", draft)
    run.do("manager", policy_id, "risk_assessment.schema.json", _RISKS)
    for name in STAFF:
        run.do(name, policy_id, "staff_consultation.schema.json",
               {"willing_to_be_filmed": "willing_with_conditions", "conditions": "The screen only."})
    run.do("liaison", policy_id, "patient_consultation.schema.json",
           {**_LIAISON, "liaison_group": liaison_group, "view": "support", "consulted_on": clock().date().isoformat()})
    run.do("equality", policy_id, "equality_impact.schema.json",
           {**_EQUALITY, "assessed_on": clock().date().isoformat()})
    run.do("manager", policy_id, "risk_reassessment.schema.json", _REASSESSED)
    run.do("manager", policy_id, "revise_policy.schema.json", {**draft, "revision_notes": "No changes needed."})
    run.do("governance", policy_id, "information_governance.schema.json",
           {**_GOVERNANCE, "reviewed_on": clock().date().isoformat()})
    run.do("employer", policy_id, "employer_signoff.schema.json", {"decision": "approved", "risk_strategy_checked": True})
    run.do("insurer", policy_id, "insurer_signoff.schema.json",
           {"decision": "approved", "insurance_arrangements_confirmed": True})
    run.do("committee", policy_id, "ratification.schema.json",
           {"decision": "approved", "committee": _RATIFIED["committee"], "minute_reference": minute_reference,
            "meeting_date": clock().date().isoformat()})
    effective = services.clock().date() + timedelta(days=effective_in_days)
    run.do("manager", policy_id, "publish_policy.schema.json", {
        "effective_date": effective.isoformat(),
        **({"effective_date_reason": "Published after the meeting that agreed it."} if effective < clock().date()
           else {})})
    return policy_id


def _suspended(services, people: dict, department: str) -> None:
    draft = {**_DRAFT, "modalities": ["mammography", "ultrasound"], "examinations_needing_care": [],
             "settings": "The breast imaging unit at Riverside General Hospital.",
             "summary": "You may photograph the image on the screen at the end of your examination if staff agree.",
             "purpose": "Some people would like a picture of their breast imaging. This policy explains what you may "
                        "record and why, so that your examination has the staff's full attention and everyone's "
                        "privacy is protected.",
             "easy_read": "You can take a photo of the screen at the end of your breast scan.\nAsk the staff first.\n"
                          "Do not film the scan.\nDo not record what staff say.\n"
                          "Some staff do not want to be in photos.\nIf you are worried, talk to the staff.",
             "easy_read_picture": "A woman holding a phone up to a breast scan screen, with the radiographer smiling.",
             "author": "Superintendent Radiographer, Breast Imaging",
             "guidance_title": _DRAFT["guidance_title"].replace("diagnostic or screening obstetric ultrasound",
                                                                "diagnostic")}
    draft.pop("guidance_date")
    policy_id = _signed_off(services, people, department, SUSPENDED_TITLE, draft, days_ago=60, effective_in_days=-30,
                            liaison_group="Riverside Patient Panel", minute_reference="CGC/134")
    services.lifecycle.suspend(people["manager"], policy_id,
                               "Suspended while the unit moves to its new building; recording is not permitted there "
                               "until the policy is reviewed.")


def _coming(services, people: dict, department: str) -> None:
    draft = {**_DRAFT, "modalities": ["ultrasound"], "examinations_needing_care": ["paediatric"],
             "settings": "The children's ultrasound room at Riverside General Hospital.",
             "summary": "You may take one photograph of the screen at the end of your child's scan, if the "
                        "sonographer agrees.",
             "author": "Lead Sonographer, Paediatric Ultrasound"}
    _signed_off(services, people, department, COMING_TITLE, draft, days_ago=10, effective_in_days=31,
                liaison_group="Riverside Children and Families Panel", minute_reference="CGC/138")


def _in_progress(services, people: dict, department: str) -> None:
    clock = _DemoClock(services.clock().astimezone(timezone.utc) - timedelta(days=20))
    run = _Runner(services.commands.at(clock), services.queries, clock, people)
    policy_id = run.commands.start(people["manager"], IN_PROGRESS_TITLE, department)
    draft = {**_DRAFT, "modalities": ["ultrasound"], "settings": "General ultrasound rooms at Riverside General.",
             "summary": "You may photograph the image on the screen at the end of your scan if the sonographer agrees."}
    run.do("manager", policy_id, "draft_policy.schema.json", draft)
    run.do("manager", policy_id, "risk_assessment.schema.json",
           {**_RISKS, "distraction_likelihood": 4, "distraction_impact": 4,
            "distraction_mitigations": "Photographs only after the scan; staff may stop at any time."})
    views = ({"willing_to_be_filmed": "not_willing", "comments": "Scans of adults are often intimate."},
             {"willing_to_be_filmed": "not_willing"},
             {"willing_to_be_filmed": "willing", "comments": "Fine if it is only the screen."})
    for name, view in zip(STAFF, views, strict=True):
        run.do(name, policy_id, "staff_consultation.schema.json", view)
    run.do("liaison", policy_id, "patient_consultation.schema.json",
           {**_LIAISON, "view": "oppose", "consulted_on": clock().date().isoformat(),
            "comments": "Adult patients in general ultrasound should not be photographed near other patients."})
    run.do("equality", policy_id, "equality_impact.schema.json",
           {**_EQUALITY, "assessed_on": clock().date().isoformat()})
    # Two of three staff unwilling: the manager re-scores staff preference and the residual risks.
    run.do("manager", policy_id, "risk_reassessment.schema.json",
           {**_REASSESSED, "distraction_likelihood": 4, "distraction_impact": 4,
            "distraction_mitigations": "Photographs only after the scan; staff may stop at any time.",
            "staff_preferences_likelihood": 4, "staff_preferences_impact": 3,
            "staff_preferences_residual_likelihood": 2, "staff_preferences_residual_impact": 3,
            "distraction_residual_likelihood": 2, "distraction_residual_impact": 3})
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**draft, "revision_notes": "Limited to the screen at the end of the scan after the consultation."})
    run.do("manager", policy_id, "justify_warning_signs.schema.json", {
        "justify_liaison_opposes": "The group's concern is other patients being photographed: the privacy rule "
                                   "forbids it, and only the screen may be photographed.",
        "justify_liaison_opposed_unchanged": "The draft the group saw already limited recording to the screen; we "
                                             "have asked them to look again at the privacy rule.",
        "justify_most_staff_unwilling": "No one is ever photographed: only the screen, and any sonographer may "
                                        "decline; a colleague then takes over."})
    run.do("governance", policy_id, "information_governance.schema.json",
           {**_GOVERNANCE, "reviewed_on": clock().date().isoformat()})


class _Runner:
    """Completes the one ready task of a policy that asks a person for a given form."""

    def __init__(self, commands, queries, clock: _DemoClock, people: dict):
        self.commands, self._queries, self._clock, self._people = commands, queries, clock, people

    def do(self, username: str, policy_id: int, form: str, answers: dict) -> None:
        actor = self._people[username]
        tasks = [t for t in self._queries.inbox(actor) if t["policy_id"] == policy_id and t["form"] == form]
        if not tasks:
            raise DemoUnavailable(f"the demo expected {username} to have a “{form}” task; the diagram has changed")
        self._clock.later(hours=20)
        self.commands.complete(actor, tasks[0]["id"], copy.deepcopy(answers))
