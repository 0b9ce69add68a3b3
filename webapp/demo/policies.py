"""Demo policies, so every page has something in it: an obstetric policy published with a history
(every patients' question it can answer, an easy read summary and a Welsh translation), one in
progress, one suspended, and one that comes into force next month.

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
    "rationale": "Photographs of the screen at the end of the scan keep every risk low or medium.",
}
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
    clock = _DemoClock(today - timedelta(days=400))
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
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**_DRAFT, "response_procedure": "Staff will ask you to stop and explain this policy.",
            "revision_notes": "Added that printed images remain available, as the liaison group suggested."})
    run.do("employer", policy_id, "employer_signoff.schema.json",
           {"decision": "changes_requested", "comments": "Say what staff do if recording continues after they ask."})
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**_DRAFT, "revision_notes": "Staff now pause the scan and call the lead sonographer if recording "
                                        "continues, as the employer asked."})
    run.do("employer", policy_id, "employer_signoff.schema.json", {"decision": "approved", "risk_strategy_checked": True})
    run.do("insurer", policy_id, "insurer_signoff.schema.json",
           {"decision": "approved", "insurance_arrangements_confirmed": True})
    run.do("manager", policy_id, "publish_policy.schema.json",
           {"effective_date": (clock().date() + timedelta(days=14)).isoformat(),
            "publication_notes": "Staff briefed at the team meeting."})
    # A year on, the review (already due by the time the demo is made) finds nothing to change.
    clock.now = today - timedelta(days=10)
    services.commands.at(clock).fire_due_timers()
    run.do("manager", policy_id, "review_policy.schema.json",
           {"outcome": "no_changes", "review_notes": "No incidents or complaints; the policy still fits.",
            "incidents_since_publication": "None reported."})
    run.do("manager", policy_id, "publish_policy.schema.json", {"effective_date": today.date().isoformat()})
    services.translations.add(people["manager"], policy_id, {"language": "cy", "sections": _WELSH})


def _signed_off(services, people: dict, department: str, title: str, draft: dict, days_ago: int,
                effective_in_days: int) -> int:
    """A policy carried straight through consultation and both sign-offs to publication."""
    clock = _DemoClock(services.clock().astimezone(timezone.utc) - timedelta(days=days_ago))
    run = _Runner(services.commands.at(clock), services.queries, clock, people)
    policy_id = run.commands.start(people["manager"], title, department)
    run.do("manager", policy_id, "draft_policy.schema.json", draft)
    run.do("manager", policy_id, "risk_assessment.schema.json", _RISKS)
    for name in STAFF:
        run.do(name, policy_id, "staff_consultation.schema.json",
               {"willing_to_be_filmed": "willing_with_conditions", "conditions": "The screen only."})
    run.do("liaison", policy_id, "patient_consultation.schema.json",
           {**_LIAISON, "view": "support", "consulted_on": clock().date().isoformat()})
    run.do("manager", policy_id, "revise_policy.schema.json", {**draft, "revision_notes": "No changes needed."})
    run.do("employer", policy_id, "employer_signoff.schema.json", {"decision": "approved", "risk_strategy_checked": True})
    run.do("insurer", policy_id, "insurer_signoff.schema.json",
           {"decision": "approved", "insurance_arrangements_confirmed": True})
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
             "guidance_title": _DRAFT["guidance_title"].replace("diagnostic or screening obstetric ultrasound",
                                                                "diagnostic")}
    draft.pop("guidance_date")
    policy_id = _signed_off(services, people, department, SUSPENDED_TITLE, draft, days_ago=60, effective_in_days=-30)
    services.lifecycle.suspend(people["manager"], policy_id,
                               "Suspended while the unit moves to its new building; recording is not permitted there "
                               "until the policy is reviewed.")


def _coming(services, people: dict, department: str) -> None:
    draft = {**_DRAFT, "modalities": ["ultrasound"], "examinations_needing_care": ["paediatric"],
             "settings": "The children's ultrasound room at Riverside General Hospital.",
             "summary": "You may take one photograph of the screen at the end of your child's scan, if the "
                        "sonographer agrees."}
    _signed_off(services, people, department, COMING_TITLE, draft, days_ago=10, effective_in_days=31)


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
    run.do("manager", policy_id, "revise_policy.schema.json",
           {**draft, "revision_notes": "Limited to the screen at the end of the scan after the consultation."})
    run.do("manager", policy_id, "justify_warning_signs.schema.json",
           {"justification": "Only the screen may be photographed, never a person; staff may decline, and the "
                             "liaison group's concern about other patients is met by the privacy rule."})


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
