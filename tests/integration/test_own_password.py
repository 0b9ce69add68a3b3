"""People change their own password in /settings: the current one is required, the new one
must pass the password rules, and their other sessions end while this one goes on."""
from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import audit_events
from tests.web import csrf_token, login, submit

NEW = "lantern orchard pebble"


def change(client, current: str, new: str, confirm: str | None = None):
    return submit(client, "/settings/password", {"current_password": current, "new_password": new,
                                                 "confirm_password": new if confirm is None else confirm})


def test_settings_links_to_the_password_page_with_labelled_fields(client, people):
    login(client, "mary")
    assert "Change your password" in visible_text(client.get("/settings").get_data(as_text=True))
    page = client.get("/settings/password").get_data(as_text=True)
    for field, label in (("current_password", "Current password"), ("new_password", "New password"),
                         ("confirm_password", "New password again")):
        assert f'<label for="{field}">{label}</label>' in page and f'id="{field}"' in page


def test_changing_it_ends_the_other_sessions_and_keeps_this_one(app, services, people):
    laptop, desk = app.test_client(), app.test_client()
    login(laptop, "mary")
    login(desk, "mary")
    response = change(laptop, PASSWORD, NEW)
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    shown = visible_text(laptop.get("/settings").get_data(as_text=True))
    assert "Your password is changed" in shown and "signed out" in shown
    assert laptop.get("/inbox").status_code == 200, "the browser that changed it stays signed in"
    assert desk.get("/inbox").status_code == 302, "every other session has ended"
    assert services.accounts.authenticate("mary", PASSWORD) is None
    assert services.accounts.authenticate("mary", NEW) is not None
    [event] = audit_events(services, action="password_changed")
    assert (event.actor, event.data) == ("mary", {"username": "mary"})
    assert NEW not in json.dumps([e.data for e in audit_events(services)])


@pytest.mark.parametrize(("current", "new", "confirm", "field", "message"), [
    ("not my password", NEW, NEW, "current_password", "This is not your current password."),
    (PASSWORD, "short", "short", "new_password", "at least 10 characters"),
    (PASSWORD, "Password123!", "Password123!", "new_password", "easy to guess"),
    (PASSWORD, "mary1234567", "mary1234567", "new_password", "easy to guess"),
    (PASSWORD, NEW, "lantern orchard", "confirm_password", "not the same"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "not the one you have now"),
])
def test_a_refusal_says_what_is_wrong_beside_the_field_and_changes_nothing(app, services, people, current, new,
                                                                          confirm, field, message):
    client = app.test_client()
    login(client, "mary")
    response = change(client, current, new, confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in visible_text(page)
    assert 'href="#' + field + '"' in page, "the summary links to the field"
    assert services.accounts.authenticate("mary", PASSWORD) is not None
    assert client.get("/inbox").status_code == 200


def test_a_wrong_current_password_and_a_weak_new_one_are_both_listed(client, people):
    login(client, "mary")
    text = visible_text(change(client, "not my password", "short").get_data(as_text=True))
    assert "This is not your current password." in text and "at least 10 characters" in text


def test_the_page_needs_a_signed_in_person_and_a_csrf_token(client, people):
    assert client.get("/settings/password").status_code == 302
    login(client, "mary")
    assert client.post("/settings/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                   "confirm_password": NEW}).status_code == 400
    assert csrf_token(client, "/settings/password")


def test_wrong_current_passwords_are_limited_like_failed_sign_ins(app, people):
    """A session left open must not become a way to guess the password (5 per 15 minutes)."""
    client = app.test_client()
    login(client, "mary")
    statuses = [change(client, f"guess {n}", NEW).status_code for n in range(6)]
    assert statuses == [422] * 5 + [429]
    refused = change(client, PASSWORD, NEW)
    assert refused.status_code == 429 and "Too many wrong current passwords" in visible_text(
        refused.get_data(as_text=True))
    other = app.test_client()
    login(other, "sam")
    assert change(other, PASSWORD, NEW).status_code == 302, "another person's count is their own"
