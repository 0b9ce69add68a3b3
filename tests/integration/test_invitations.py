"""Invitations: an admin (on the admin pages or with `policyflow user invite`) adds a person, who
gets mail with a one-time link, valid 48 hours, to choose their own password.

Mail goes through a real SMTP server on loopback; each test follows the link from the
message that arrived, as the person would.
"""
from __future__ import annotations

import re
from datetime import timedelta

import lxml.html
import pytest

from tests.conftest import PASSWORD, make_services
from tests.html import visible_text
from tests.lifecycle import audit_events
from tests.mail_server import MailServer
from tests.web import csrf_token, login, submit
from workflows.notifications import MailSettings

BASE_URL = "https://policies.hospital.example"
CHOSEN = "meadow copper violin"
LINK = re.compile(re.escape(BASE_URL) + r"(/invitations/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def services(sqlite_url, clock, mail_server):
    services = make_services(sqlite_url, clock, mail=MailSettings(smtp_url=mail_server.url, base_url=BASE_URL))
    yield services
    services.database.dispose()


@pytest.fixture
def admin(app, services, people):
    services.accounts.add_user("root", PASSWORD, ["admin"])
    client = app.test_client()
    login(client, "root")
    return client


def links_sent(services, mail_server, address: str) -> list[str]:
    """The path of the link in each message that reached ``address``, oldest first."""
    report = services.mail.send_due()
    assert not report.errors, report.errors
    return [LINK.search(message.get_content()).group(1) for message in mail_server.messages_to(address)]


def choose(client, path: str, password: str, confirm: str | None = None):
    return submit(client, path, {"new_password": password, "confirm_password": password if confirm is None else confirm})


def test_the_invited_person_follows_the_mailed_link_chooses_a_password_and_signs_in(app, services, people,
                                                                                    mail_server):
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    [path] = links_sent(services, mail_server, "nina@hospital.example")
    [message] = mail_server.messages_to("nina@hospital.example")
    assert message["Subject"] == "Choose your policyflow password"
    assert "Your username is nina" in message.get_content() and "root has given you an account" in message.get_content()

    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Your username is nina" in visible_text(page.get_data(as_text=True))
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    refused = choose(client, path, "short")
    assert refused.status_code == 422 and "at least 10 characters" in visible_text(refused.get_data(as_text=True))
    refused = choose(client, path, "nina12345678")
    assert refused.status_code == 422 and "easy to guess" in visible_text(refused.get_data(as_text=True))
    done = choose(client, path, CHOSEN)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    login(app.test_client(), "nina", CHOSEN)

    again = app.test_client().get(path)
    assert again.status_code == 404 and "does not work any more" in visible_text(again.get_data(as_text=True))
    assert [e.action for e in audit_events(services) if e.data and e.data.get("username") == "nina"] == [
        "user_added", "invitation_sent", "password_changed", "invitation_accepted"]
    assert CHOSEN not in str([e.data for e in audit_events(services)])


def test_the_link_works_for_48_hours_only(app, services, people, mail_server, clock):
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    [path] = links_sent(services, mail_server, "nina@hospital.example")
    clock.advance(hours=47, minutes=59)
    assert app.test_client().get(path).status_code == 200
    clock.advance(minutes=1)
    expired = app.test_client().get(path)
    assert expired.status_code == 404 and "more than 48 hours old" in visible_text(expired.get_data(as_text=True))


def test_nobody_signs_in_as_an_invited_person_before_they_choose_a_password(app, services, people, mail_server):
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    for guess in ("", "nina", PASSWORD):
        assert services.accounts.authenticate("nina", guess) is None


def test_an_admin_sends_a_new_link_which_ends_the_old_one(app, services, admin, mail_server):
    submit(admin, "/admin/users/new", {"username": "nina", "roles": ["staff"], "department": "Ultrasound",
                                       "email": "nina@hospital.example", "mail": "now"})
    [first] = links_sent(services, mail_server, "nina@hospital.example")
    page = admin.get("/admin/users/nina").get_data(as_text=True)
    assert "Send nina a new link to choose a password" in visible_text(page)
    sent = admin.post("/admin/users/nina/invitation", data={"csrf_token": csrf_token(admin, "/admin/users/nina")},
                      follow_redirects=True)
    assert "A link to choose a password is on its way to nina@hospital.example" in visible_text(
        sent.get_data(as_text=True))
    _, second = links_sent(services, mail_server, "nina@hospital.example")
    assert app.test_client().get(first).status_code == 404
    client = app.test_client()
    assert choose(client, second, CHOSEN).status_code == 302
    login(app.test_client(), "nina", CHOSEN)


def test_a_link_can_be_used_once_even_from_two_tabs(app, services, people, mail_server):
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    [path] = links_sent(services, mail_server, "nina@hospital.example")
    first, second = app.test_client(), app.test_client()
    first_token, second_token = csrf_token(first, path), csrf_token(second, path)
    assert first.post(path, data={"new_password": CHOSEN, "confirm_password": CHOSEN,
                                  "csrf_token": first_token}).status_code == 302
    late = second.post(path, data={"new_password": "another lovely phrase", "confirm_password": "another lovely phrase",
                                   "csrf_token": second_token})
    assert late.status_code == 404
    assert services.accounts.authenticate("nina", CHOSEN) is not None


def test_an_invited_member_of_staff_is_one_of_the_departments_staff_at_once(services, people, mail_server):
    services.invitations.invite("root", "nina", "nina@hospital.example", ["staff"], "Ultrasound")
    with services.database.reading() as session:
        department_id = services.accounts.department(session, "Ultrasound").id
        assert "nina" in services.accounts.staff_of(session, department_id)


def test_a_made_up_link_is_refused_plainly(client, people):
    refused = client.get("/invitations/made-up-secret")
    assert refused.status_code == 404 and "Ask an admin to send you a new one" in visible_text(
        refused.get_data(as_text=True))



def people_listed(admin) -> dict[str, str]:
    """{username: status} as the admin's list of people shows them."""
    page = lxml.html.fromstring(admin.get("/admin/users").get_data(as_text=True))
    return {row.xpath("td[1]")[0].text_content().strip(): " ".join(row.xpath("td[5]")[0].text_content().split())
            for row in page.xpath("//table/tbody/tr")}


def stamp(moment) -> str:
    return moment.strftime("%d %b %Y, %H:%M UTC")


def test_the_list_of_people_shows_who_is_invited_and_has_not_accepted_yet(app, services, admin, mail_server, clock):
    invited_at = clock.now
    for name in ("nina", "owen"):
        submit(admin, "/admin/users/new", {"username": name, "roles": ["staff"], "department": "Ultrasound",
                                           "email": f"{name}@hospital.example", "mail": "now"})
    waiting = f"Invited, not yet accepted: invited {stamp(invited_at)}; the link expires " \
              f"{stamp(invited_at + timedelta(hours=48))}"
    listed = people_listed(admin)
    assert (listed["nina"], listed["owen"], listed["sam"]) == (waiting, waiting, "Active")
    assert "2 people have not accepted their invitation yet." in visible_text(admin.get("/admin/users").get_data(
        as_text=True))

    [path] = links_sent(services, mail_server, "nina@hospital.example")
    assert choose(app.test_client(), path, CHOSEN).status_code == 302
    assert people_listed(admin)["nina"] == "Active"

    clock.advance(hours=49)
    assert people_listed(admin)["owen"] == f"Invited, not yet accepted: invited {stamp(invited_at)}; the link " \
                                           f"expired {stamp(invited_at + timedelta(hours=48))}"
    assert "1 person has not accepted their invitation yet; 1 of the links expired (send a new one from the " \
           "person's page)." in visible_text(admin.get("/admin/users").get_data(as_text=True))
    for name in ("owen", "nina"):  # owen's invitation expired; nina forgot her password
        admin.post(f"/admin/users/{name}/invitation", data={"csrf_token": csrf_token(admin, f"/admin/users/{name}")})
    again = f"Invited, not yet accepted: invited {stamp(invited_at)}; a new link sent {stamp(clock.now)}; the link " \
            f"expires {stamp(clock.now + timedelta(hours=48))}"
    listed = people_listed(admin)
    assert (listed["owen"], listed["nina"]) == (again, "Active")
    assert again in visible_text(admin.get("/admin/users/owen").get_data(as_text=True))
