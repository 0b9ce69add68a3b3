"""Administration in the browser, through the /admin pages as an admin uses them: people (add,
edit, deactivate with their tasks handed on or closed), departments, API tokens and the outbox."""
from __future__ import annotations

import re

import lxml.html
import pytest

from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import complete, task_of
from tests.web import csrf_token, login, submit
from workflows.storage.schema import OutboxMessage


@pytest.fixture
def admin(app, services, people):
    services.accounts.add_user("root", PASSWORD, ["admin"])
    client = app.test_client()
    login(client, "root")
    return client


def text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def consulting(services, people) -> int:
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    return policy_id


def test_only_admins_reach_the_admin_pages(app, people, admin):
    for name in ("mary", "emma"):
        client = app.test_client()
        login(client, name)
        refused = client.get("/admin/users")
        assert refused.status_code == 403 and "admin role" in text(refused)
    assert app.test_client().get("/admin/").status_code == 302, "strangers are sent to sign in"
    assert admin.get("/admin/").status_code == 200


def test_an_admin_invites_a_person_without_typing_a_password(app, services, admin):
    page = admin.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page, "an admin never types another person's password"
    added = submit(admin, "/admin/users/new", {"username": "nina", "roles": ["staff"],
                                               "department": "Ultrasound", "email": "nina@hospital.example",
                                               "mail": "digest"}, follow_redirects=True)
    assert "nina is invited: an e-mail with a link to choose a password is on its way to nina@hospital.example" \
        in text(added)
    person = services.accounts.person("nina")
    assert (person.roles, person.department, person.email, person.mail_digest) == (
        ("staff",), "Ultrasound", "nina@hospital.example", True)
    with services.database.reading() as session:
        [mail] = session.query(OutboxMessage).filter_by(recipient="nina").all()
    assert (mail.kind, mail.status, mail.digest) == ("invitation", "pending", False), "the link goes at once"


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "sam"}, "The user 'sam' already exists."),
    ({"roles": []}, "Give at least one role."),
    ({"email": "not an address"}, "is not an e-mail address"),
    ({"username": "two words"}, "no spaces"),
    ({"email": ""}, "An invitation needs the person's e-mail address"),
])
def test_adding_a_person_explains_what_is_wrong(admin, fields, message):
    form = {"username": "nina", "roles": ["staff"], "department": "Ultrasound", "email": "nina@hospital.example",
            **fields}
    refused = submit(admin, "/admin/users/new", form)
    assert refused.status_code == 422 and message in text(refused)


def errors_beside_fields(response) -> dict[str, str]:
    """{control id: the error shown beside it}: each message inside the control's own field, and
    named by the control (aria-describedby) so a screen reader reads it with the field."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    shown = {}
    for message in page.xpath('//*[contains(@class, "field-error")]'):
        field = message.xpath('ancestor::*[self::fieldset or contains(@class, "field")][1]')[0]
        [control] = field.xpath('self::fieldset | .//input[not(@type="hidden")] | .//select')[:1]
        assert message.get("id") in (control.get("aria-describedby") or "").split(), control.get("id")
        shown[control.get("id")] = " ".join(message.text_content().split()).removeprefix("Error: ")
    return shown


@pytest.mark.parametrize(("form", "expected"), [
    ({"username": "two words", "roles": [], "email": "not an address"},
     {"username": "A username has at most 80 characters and no spaces.", "roles": "Give at least one role.",
      "email": "'not an address' is not an e-mail address."}),
    ({"username": "sam", "roles": ["wizard"], "email": ""},
     {"username": "The user 'sam' already exists.",
      "roles": "Unknown role wizard; roles are manager, staff, patient_liaison, employer, insurer, equality_lead, "
               "information_governance, committee, process_designer, admin.",
      "email": "An invitation needs the person's e-mail address: the link to choose a password goes there."}),
])
def test_every_wrong_field_of_an_invitation_is_explained_beside_it(services, admin, form, expected):
    refused = submit(admin, "/admin/users/new", {"department": "Ultrasound", "mail": "now", **form})
    assert refused.status_code == 422
    assert errors_beside_fields(refused) == expected
    summary = lxml.html.fromstring(refused.get_data(as_text=True)).xpath('//*[@class="error-summary"]//li')
    assert [" ".join(item.text_content().split()) for item in summary] == list(expected.values())
    assert [p.username for p in services.accounts.people()].count(form["username"]) == (form["username"] == "sam")


def test_every_wrong_field_of_a_persons_details_is_explained_beside_it(services, admin):
    refused = submit(admin, "/admin/users/pat", {"roles": [], "department": "Ultrasound", "email": "pat at hospital",
                                                 "mail": "now"})
    assert refused.status_code == 422
    assert errors_beside_fields(refused) == {"roles": "Give at least one role.",
                                             "email": "'pat at hospital' is not an e-mail address."}
    assert services.accounts.person("pat").roles == ("patient_liaison",)


def test_the_admin_pages_offer_the_governance_roles(services, admin):
    form = text(admin.get("/admin/users/new"))
    for label in ("Equality lead", "Information governance", "Ratifying committee"):
        assert label in form, label
    added = submit(admin, "/admin/users/new", {"username": "chair", "email": "chair@hospital.example",
                                               "roles": ["committee", "information_governance"], "mail": "now"},
                   follow_redirects=True)
    assert "chair is invited" in text(added)
    assert services.accounts.person("chair").roles == ("committee", "information_governance")
    assert "Ratifying committee" in text(admin.get("/admin/users"))


def test_an_admin_changes_roles_and_department(services, admin):
    saved = submit(admin, "/admin/users/pat", {"roles": ["patient_liaison", "staff"], "department": "Ultrasound",
                                               "email": "pat@hospital.example", "mail": "now"}, follow_redirects=True)
    assert "pat's details are saved." in text(saved)
    person = services.accounts.person("pat")
    assert person.roles == ("patient_liaison", "staff") and person.department == "Ultrasound"


def test_deactivating_hands_their_tasks_to_a_colleague(app, services, people, admin):
    policy_id = consulting(services, people)
    kim_task = task_of(services, people["kim"], "staff_consultation")["id"]
    page = text(admin.get("/admin/users/kim/deactivate"))
    assert "Recording during scans: “Give your view as staff”" in page
    done = submit(admin, "/admin/users/kim/deactivate", {"hand_to": "alex"}, follow_redirects=True)
    assert "kim is deactivated; 1 task(s) given to alex." in text(done)
    assert kim_task in [t["id"] for t in services.queries.inbox(people["alex"])]
    client = app.test_client()
    refused = submit(client, "/login", {"username": "kim", "password": PASSWORD})
    assert refused.status_code == 401
    assert policy_id


def test_deactivating_without_a_colleague_closes_their_tasks_as_not_answered(services, people, admin):
    policy_id = consulting(services, people)
    complete(services, people["sam"], "staff_consultation")
    complete(services, people["alex"], "staff_consultation")
    complete(services, people["pat"], "patient_consultation")
    complete(services, people["eve"], "equality_impact")
    done = submit(admin, "/admin/users/kim/deactivate", {"hand_to": ""}, follow_redirects=True)
    assert "1 task(s) closed as not answered" in text(done)
    reassess = task_of(services, people["mary"], "reassess_risks")  # the manager's next step after the consultation
    counts = services.queries.task_page(people["mary"], reassess["id"]).context.consultation
    assert (counts.staff_responses, counts.no_response) == (2, 1)
    assert services.queries.policy(people["mary"], policy_id)["status"] == "in_progress"


def test_api_tokens_are_created_shown_once_and_revoked(app, services, admin):
    url = "/admin/users/emma"
    created = admin.post(f"{url}/tokens", data={"expires_in": "30", "csrf_token": csrf_token(admin, url)})
    assert created.status_code == 200 and "Copy the token now: it is not shown again." in text(created)
    assert created.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="token" type="text" readonly value="([^"]+)"', created.get_data(as_text=True)).group(1)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["username"] == "emma"
    (info,) = services.accounts.tokens_of("emma")
    assert token not in admin.get(url).get_data(as_text=True), "never shown again"
    revoked = admin.post(f"/admin/tokens/{info.id}/revoke", data={"csrf_token": csrf_token(admin, url)},
                         follow_redirects=True)
    assert f"API token {info.id} of emma is revoked" in text(revoked)
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    too_long = admin.post(f"{url}/tokens", data={"expires_in": "9999", "csrf_token": csrf_token(admin, url)})
    assert too_long.status_code == 422 and "from 1 to 3650 days" in text(too_long)


def test_departments_are_added_and_renamed(services, admin):
    added = submit(admin, "/admin/departments", {"name": "Imaging – CT"}, follow_redirects=True)
    assert "Department “Imaging – CT” added." in text(added)
    again = submit(admin, "/admin/departments", {"name": "Imaging – CT"})
    assert again.status_code == 422 and "already a department" in text(again)
    url = "/admin/departments/rename?department=Imaging – CT"
    renamed = admin.post("/admin/departments/rename", data={"department": "Imaging – CT", "name": "Imaging – CT scans",
                                                            "csrf_token": csrf_token(admin, url)}, follow_redirects=True)
    assert "is now called “Imaging – CT scans”" in text(renamed)
    assert "Imaging – CT scans" in services.accounts.departments()


def test_the_outbox_shows_failures_and_retries_them(services, people, admin):
    services.commands.start(people["mary"], "Recording", "Ultrasound")  # mary has no address: failed
    page = text(admin.get("/admin/outbox"))
    assert "Needing attention (1)" in page and "mary has no e-mail address." in page
    services.accounts.update_user("mary", roles=["manager"], department="Ultrasound", email="mary@hospital.example",
                                  mail_digest=False)
    with services.database.reading() as session:
        message_id = session.query(OutboxMessage.id).scalar()
    retried = admin.post(f"/admin/outbox/{message_id}/retry",
                         data={"csrf_token": csrf_token(admin, "/admin/outbox")}, follow_redirects=True)
    page = text(retried)
    assert f"Message {message_id} to mary will be sent again." in page and "Waiting to be sent (1)" in page
    again = admin.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": csrf_token(admin, "/admin/outbox")})
    assert again.status_code == 409
