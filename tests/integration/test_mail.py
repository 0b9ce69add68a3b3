"""Mail on a real SMTP server on loopback (aiosmtpd): who is told what, reminders, retries while
the server is down, several senders at once, and no message sent twice after a sender stops.

The services write each message to the outbox in the transaction of the step that
causes it; ``MailSender.send_due`` (the background thread of ``serve`` and
``policyflow mail send``) hands them to the server. What a test checks is what
arrives in the server's mailboxes.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import add_people, make_services
from tests.lifecycle import complete, task_of, to_published, to_signoff
from tests.mail_server import MailServer
from workflows.notifications import MailSettings
from workflows.notifications.sender import LEASE, MAX_ATTEMPTS, MailSender
from workflows.storage.schema import OutboxMessage

BASE_URL = "https://policies.hospital.example"
SECRET_COMMENT = "I would rather leave than be filmed in room 3."


def address(name: str) -> str:
    return f"{name}@hospital.example"


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


def mail_world(url, clock, server):
    settings = MailSettings(smtp_url=server.url, mail_from="policyflow@hospital.example", base_url=BASE_URL)
    services = make_services(url, clock, mail=settings)
    people = add_people(services)
    for name, person in people.items():
        services.accounts.update_user(name, roles=sorted(person.roles), department=person.department,
                                      email=address(name), mail_digest=False)
    return services, people


@pytest.fixture
def world(sqlite_url, clock, mail_server):
    services, people = mail_world(sqlite_url, clock, mail_server)
    yield services, people
    services.database.dispose()


def outbox(services, **filters) -> list[OutboxMessage]:
    with services.database.reading() as session:
        return list(session.scalars(select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)))


def sent_now(services):
    report = services.mail.send_due()
    assert not report.errors, report.errors
    return report


# ----------------------------------------------------------------- who is told what

def test_a_new_task_is_mailed_to_its_person_with_a_link(world, mail_server):
    services, people = world
    policy_id = services.commands.start(people["mary"], "Recording during ultrasound", "Ultrasound")
    assert sent_now(services).sent == 1
    (mail,) = mail_server.messages_to(address("mary"))
    task = task_of(services, people["mary"], "draft_policy")
    assert mail["Subject"] == "Task for you: Draft the policy – Recording during ultrasound"
    assert mail["From"] == "policyflow@hospital.example"
    assert f"{BASE_URL}/tasks/{task['id']}" in mail.get_content()
    assert outbox(services, task_id=task["id"])[0].policy_id == policy_id


def test_each_member_of_staff_is_told_of_their_own_consultation_task(world, mail_server):
    services, people = world
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    sent_now(services)
    for name in ("sam", "alex", "kim"):
        (mail,) = mail_server.messages_to(address(name))
        task = task_of(services, people[name], "staff_consultation")
        assert f"/tasks/{task['id']}" in mail.get_content() and "This task is yours alone" in mail.get_content()
        due = task["due_at"].strftime("%d %b %Y")
        assert f"Please do it by {due}" in mail.get_content(), "the consultation's deadline is in the mail"
    assert [m["Subject"] for m in mail_server.messages_to(address("pat"))] == [
        "Task for you: Give the patient liaison view – Recording"]
    assert mail_server.messages_to(address("olga")) == [], "another department's manager is not told"


def test_a_shared_task_goes_to_everyone_of_its_role(world, mail_server, services_factory=None):
    services, people = world
    services.accounts.add_user("erin", "pw", ["employer"], email=address("erin"))
    to_signoff(services, people)
    sent_now(services)
    for name in ("emma", "erin"):
        subjects = [m["Subject"] for m in mail_server.messages_to(address(name))]
        assert subjects == ["Task for you: Employer sign-off – Recording during ultrasound"], name


def test_the_manager_hears_when_the_consultation_closes_and_a_signoff_comes_back(world, mail_server):
    services, people = world
    to_signoff(services, people)
    complete(services, people["emma"], "employer_signoff", decision="changes_requested", comments="Clarify section 2.")
    sent_now(services)
    subjects = [m["Subject"] for m in mail_server.messages_to(address("mary"))]
    assert "The staff consultation has closed – Recording during ultrasound" in subjects
    assert "The patient liaison consultation has closed – Recording during ultrasound" in subjects
    assert "The employer sign-off has come back – Recording during ultrasound" in subjects
    closed = next(m for m in mail_server.messages_to(address("mary")) if "staff consultation has closed" in m["Subject"])
    assert "3 answered." in closed.get_content()


def test_mail_never_carries_a_consultation_answer(world, mail_server):
    services, people = world
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    for name in ("sam", "alex", "kim"):
        complete(services, people[name], "staff_consultation", willing_to_be_filmed="not_willing",
                 comments=SECRET_COMMENT)
    complete(services, people["pat"], "patient_consultation")
    sent_now(services)
    bodies = mail_server.bodies()
    assert bodies and not [body for body in bodies if SECRET_COMMENT in body or "not_willing" in body]


def test_published_policy_asks_the_departments_staff_to_acknowledge(world, mail_server):
    services, people = world
    to_published(services, people)
    sent_now(services)
    for name in ("sam", "alex", "kim"):
        subjects = [m["Subject"] for m in mail_server.messages_to(address(name))]
        assert "Please read and acknowledge: Recording during ultrasound" in subjects


def test_a_person_without_an_address_shows_as_failed_for_admins(world, mail_server):
    services, people = world
    services.accounts.update_user("mary", roles=["manager"], department="Ultrasound", email=None, mail_digest=False)
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    (message,) = outbox(services, recipient="mary")
    assert (message.status, message.last_error) == ("failed", "mary has no e-mail address.")
    assert sent_now(services).sent == 0 and mail_server.received == []


# ----------------------------------------------------------------- reminders

def test_reminders_before_the_due_date_and_when_overdue_each_once(world, mail_server, clock):
    services, people = world
    to_published(services, people)
    sent_now(services)
    mail_server.received.clear()
    due = task_of(services, people["sam"], "acknowledge_policy")["due_at"]

    clock.now = due - timedelta(days=3)
    assert services.reminders.queue_due() == 0, "not yet"
    clock.now = due - timedelta(days=1)
    assert services.reminders.queue_due() == 3 and services.reminders.queue_due() == 0
    sent_now(services)
    assert [m["Subject"] for m in mail_server.messages_to(address("sam"))] == [
        f"Due on {due:%d %b %Y}: Read and acknowledge the policy – Recording during ultrasound"]

    complete(services, people["sam"], "acknowledge_policy")
    clock.now = due + timedelta(hours=1)
    assert services.reminders.queue_due() == 2, "sam acknowledged; alex and kim are overdue"
    sent_now(services)
    assert [m["Subject"] for m in mail_server.messages_to(address("kim"))][-1].startswith("Overdue: Read and acknowledge")
    assert len(mail_server.messages_to(address("sam"))) == 1


def test_a_manager_can_remind_whoever_has_not_answered(world, mail_server):
    services, people = world
    policy_id = services.commands.start(people["mary"], "Recording", "Ultrasound")
    complete(services, people["mary"], "draft_policy")
    complete(services, people["mary"], "assess_risks")
    complete(services, people["sam"], "staff_consultation")
    sent_now(services)
    mail_server.received.clear()
    assert services.assignments.remind_waiting(people["mary"], policy_id, "staff_consultation") == ["alex", "kim"]
    sent_now(services)
    assert {tuple(r) for r, _m in mail_server.received} == {(address("alex"),), (address("kim"),)}
    assert mail_server.messages_to(address("kim"))[0]["Subject"].startswith("Reminder: Give your view as staff")


# ----------------------------------------------------------------- the server is down, retries

def test_nothing_is_lost_while_the_server_is_down_and_it_is_retried_with_backoff(world, mail_server, clock):
    services, people = world
    mail_server.stop()
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    report = services.mail.send_due()
    assert (report.sent, report.retrying) == (0, 1)
    (waiting,) = outbox(services)
    assert waiting.status == "pending" and waiting.attempts == 1 and "could not be reached" in waiting.last_error
    assert waiting.next_attempt_at == clock.now + timedelta(minutes=1)

    assert services.mail.send_due().sent == 0, "not before its next try"
    mail_server.start()
    assert services.mail.send_due().sent == 0
    clock.advance(minutes=1)
    assert services.mail.send_due().sent == 1
    assert len(mail_server.messages_to(address("mary"))) == 1
    assert outbox(services)[0].status == "sent"


def test_backoff_doubles_and_a_message_fails_for_admins_after_the_last_try(world, mail_server, clock):
    services, people = world
    mail_server.stop()
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    waits = []
    for _ in range(MAX_ATTEMPTS):
        services.mail.send_due()
        (message,) = outbox(services)
        if message.status != "pending":
            break
        waits.append(message.next_attempt_at - clock.now)
        clock.now = message.next_attempt_at
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)] and max(waits) == timedelta(hours=1)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_permanent_refusal_fails_at_once(world, mail_server):
    services, people = world
    mail_server.refuse = "550 No such mailbox"
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    report = services.mail.send_due()
    assert report.failed == 1
    (message,) = outbox(services)
    assert message.status == "failed" and "550 No such mailbox" in message.last_error


# ----------------------------------------------------------------- never twice

def test_a_sender_that_stopped_before_handing_over_leaves_its_message_to_the_next(world, mail_server, clock):
    services, people = world
    services.commands.start(people["mary"], "Recording", "Ultrasound")
    crashed = MailSender(services.database, services.mail_settings, clock)
    found, claimed = crashed._try_claim()  # claims the message, then the process "dies"
    assert found and claimed is not None
    assert services.mail.send_due().sent == 0, "still leased to the stopped sender"
    clock.now += LEASE + timedelta(seconds=1)
    report = services.mail.send_due()
    assert (report.recovered, report.sent) == (1, 1)
    assert len(mail_server.received) == 1


def test_several_senders_at_once_send_each_message_once(database_url, clock, mail_server):
    services, people = mail_world(database_url, clock, mail_server)
    try:
        to_published(services, people)  # about 20 messages
        expected = len(outbox(services))
        senders = [MailSender(services.database, services.mail_settings, clock) for _ in range(4)]
        threads = [threading.Thread(target=sender.send_due) for sender in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        ids = [re.search(r"outbox-(\d+)-", m["Message-ID"]).group(1) for _r, m in mail_server.received]
        assert len(ids) == expected and len(set(ids)) == expected, "each message exactly once"
        assert {m.status for m in outbox(services)} == {"sent"}
    finally:
        services.database.dispose()


def test_a_daily_digest_gathers_everything_into_one_message(world, mail_server, clock):
    services, people = world
    for name in ("sam", "alex", "kim"):
        services.accounts.update_user(name, roles=["staff"], department="Ultrasound", email=address(name),
                                      mail_digest=True)
    clock.now = clock.now.replace(hour=9, minute=0)
    to_published(services, people)
    sent_now(services)
    assert mail_server.messages_to(address("sam")) == [], "digests wait for their time"
    clock.now = (clock.now + timedelta(days=1)).replace(hour=7, minute=0)
    sent_now(services)
    (digest,) = mail_server.messages_to(address("sam"))
    assert digest["Subject"] == "Your policyflow digest: 2 items"
    assert "Give your view as staff" in digest.get_content() and "read and acknowledge" in digest.get_content()


def test_a_sender_killed_while_handing_over_never_sends_twice(sqlite_url, clock, mail_server, tmp_path):
    """`policyflow mail send` is killed while the server holds the message in DATA: the server got it
    once; the next run does not send it again, and admins see it as uncertain."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    services, people = mail_world(sqlite_url, clock, mail_server)
    try:
        services.commands.start(people["mary"], "Recording", "Ultrasound")
        command = [str(Path(sys.executable).with_name("policyflow")), "mail", "send"]
        env = {**os.environ, "POLICYFLOW_DATABASE_URL": sqlite_url, "POLICYFLOW_SMTP_URL": mail_server.url}
        mail_server.hold = threading.Event()
        sender = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert mail_server.holding.wait(30), "the sender never reached DATA"
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
        mail_server.hold.set()
        mail_server.hold = None

        again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert "0 sent" in again.stdout, again.stdout + again.stderr
        clock.now += LEASE + timedelta(minutes=2)  # the killed sender's lease (from the wall clock) has ended
        report = services.mail.send_due()
        assert (report.sent, report.uncertain) == (0, 1)
        (message,) = outbox(services)
        assert message.status == "uncertain" and "may have arrived" in message.last_error
        assert len(mail_server.messages_to(address("mary"))) == 1, "received once, never twice"
    finally:
        services.database.dispose()


def test_serve_starts_a_background_sender_that_mails_without_anyone_asking(world, mail_server, tmp_path,
                                                                              monkeypatch):
    import time

    from webapp import create_app
    from webapp.server import start_mail_sender

    services, people = world
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POLICYFLOW_MAIL_INTERVAL_SECONDS", "0.2")
    background = start_mail_sender(create_app({"TESTING": True}, services=services))
    try:
        services.commands.start(people["mary"], "Recording", "Ultrasound")
        deadline = time.monotonic() + 15
        while not mail_server.messages_to(address("mary")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["Subject"] for m in mail_server.messages_to(address("mary"))] == [
            "Task for you: Draft the policy – Recording"]
    finally:
        background.stop()
