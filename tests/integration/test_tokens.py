"""API tokens expire, can be revoked, say why they are refused (only when they are
real), record their last use cheaply, and are audited without their secret.

Time passes by moving the services' clock; the API is called as a client would.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, event, select, text, update

from tests.conftest import PASSWORD
from tests.lifecycle import audit_events
from workflows.errors import Conflict, InvalidInput, NotFound
from workflows.storage.schema import ApiToken, User, UtcDateTime

ME = "/api/v1/me"


def me(client, token: str):
    return client.get(ME, headers={"Authorization": f"Bearer {token}"})


def refusal(response) -> str:
    """The message of a 401, after checking it is one."""
    assert response.status_code == 401, (response.status_code, response.get_data(as_text=True))
    [error] = response.get_json()["errors"]
    return error["message"]


def test_a_new_token_lasts_90_days_unless_asked_otherwise(client, services, clock, people):
    issued = services.accounts.issue_token("emma")
    assert issued.expires_at == clock() + timedelta(days=90)
    week = services.accounts.issue_token("emma", expires_in_days=7)
    assert week.expires_at == clock() + timedelta(days=7)
    clock.advance(days=7)
    assert "expired" in refusal(me(client, week.token))
    assert me(client, issued.token).get_json()["username"] == "emma"
    clock.advance(days=83)
    message = refusal(me(client, issued.token))
    assert message == f"This API token expired on {issued.expires_at:%Y-%m-%d %H:%M} UTC; ask for a new one."


def test_a_revoked_token_is_refused_at_once_and_says_so_while_others_still_work(client, services, clock, people):
    kept, revoked = services.accounts.issue_token("emma"), services.accounts.issue_token("emma")
    assert me(client, revoked.token).status_code == 200
    clock.advance(hours=1)
    info = services.accounts.revoke_token(revoked.id, actor="admin_alice")
    assert (info.id, info.username, info.status, info.revoked_at) == (revoked.id, "emma", "revoked", clock())
    response = me(client, revoked.token)
    assert refusal(response) == f"This API token was revoked on {clock():%Y-%m-%d %H:%M} UTC; ask for a new one."
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert me(client, kept.token).status_code == 200


def test_an_unknown_token_learns_nothing_more_than_no_token_at_all(client, services, people, tokens):
    nothing = client.get(ME)
    unknown = me(client, tokens["emma"][:-2] + "xy")
    assert refusal(nothing) == refusal(unknown) == "Send a valid API token as 'Authorization: Bearer TOKEN'."
    assert nothing.headers["WWW-Authenticate"] == 'Bearer realm="policyflow"'
    assert unknown.headers["WWW-Authenticate"] == 'Bearer realm="policyflow", error="invalid_token"'


def test_a_deactivated_persons_token_is_refused_like_an_unknown_one(client, services, people, tokens):
    with services.database.transaction() as session:
        session.execute(update(User).where(User.username == "emma").values(active=False))
    assert refusal(me(client, tokens["emma"])) == refusal(client.get(ME))


def test_revoking_twice_or_an_unknown_token_is_refused_with_a_reason(services, people):
    issued = services.accounts.issue_token("emma")
    services.accounts.revoke_token(issued.id)
    with pytest.raises(Conflict, match=f"API token {issued.id} of emma was already revoked on "):
        services.accounts.revoke_token(issued.id)
    with pytest.raises(NotFound, match="There is no API token 999."):
        services.accounts.revoke_token(999)
    assert [e.data["token_id"] for e in audit_events(services, action="token_revoked")] == [issued.id]


@pytest.mark.parametrize("days", [0, -1, 3651, True, "30"])
def test_an_expiry_out_of_range_is_refused_and_names_the_field(services, people, days):
    with pytest.raises(InvalidInput) as refused:
        services.accounts.issue_token("emma", expires_in_days=days)
    assert [e.field for e in refused.value.errors] == ["expires_in"] and "3650 days" in refused.value.message
    assert services.accounts.tokens_of("emma") == []


def test_tokens_for_nobody_are_refused(services, people):
    with pytest.raises(NotFound, match="nobody"):
        services.accounts.issue_token("nobody")
    with pytest.raises(NotFound, match="nobody"):
        services.accounts.tokens_of("nobody")


def test_the_list_shows_each_tokens_dates_and_status_but_never_the_token(client, services, clock, people):
    first = services.accounts.issue_token("emma", expires_in_days=1)
    second = services.accounts.issue_token("emma")
    third = services.accounts.issue_token("emma")
    services.accounts.issue_token("ian")
    me(client, second.token)
    services.accounts.revoke_token(third.id)
    clock.advance(days=2)
    listed = services.accounts.tokens_of("emma")
    assert [(t.id, t.status) for t in listed] == [(first.id, "expired"), (second.id, "active"), (third.id, "revoked")]
    assert [t.last_used_at for t in listed] == [None, clock() - timedelta(days=2), None]
    assert all(t.created_at == clock() - timedelta(days=2) for t in listed)
    shown = repr(listed)
    assert not any(secret.token in shown for secret in (first, second, third))


class Writes:
    """UPDATE statements that touch api_tokens, counted on the real engine."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            self.count += 1


def test_last_use_is_written_at_most_once_a_minute(client, services, clock, people):
    issued = services.accounts.issue_token("emma")
    writes = Writes(services.database.engine)
    first_use = clock()
    for _ in range(5):
        assert me(client, issued.token).status_code == 200
        clock.advance(seconds=10)
    assert writes.count == 1
    assert services.accounts.tokens_of("emma")[0].last_used_at == first_use
    clock.advance(seconds=20)  # 70 s after the first use
    me(client, issued.token)
    assert writes.count == 2 and services.accounts.tokens_of("emma")[0].last_used_at == clock()


def test_creating_and_revoking_are_audited_without_the_token(services, people):
    issued = services.accounts.issue_token("emma", expires_in_days=30, actor="admin_alice")
    services.accounts.revoke_token(issued.id, actor="admin_bob")
    [created] = audit_events(services, action="token_created")
    [revoked] = audit_events(services, action="token_revoked")
    assert (created.actor, created.data) == ("admin_alice", {"username": "emma", "token_id": issued.id,
                                                             "expires_at": issued.expires_at.isoformat()})
    assert (revoked.actor, revoked.data) == ("admin_bob", {"username": "emma", "token_id": issued.id})
    assert issued.token not in json.dumps([e.data for e in audit_events(services)])


def test_upgrading_a_database_keeps_people_and_gives_old_tokens_90_days(database_url, clock):
    """A database made before this change: its people still sign in, its tokens keep working (for now)."""
    from tests.conftest import TEST_PASSWORD_METHOD
    from workflows.people.accounts import Accounts
    from workflows.people.passwords import Passwords
    from workflows.storage.database import Database

    database = Database(database_url)
    database.create_schema("8e17a3cdec2e")  # the schema before this change
    with database.engine.begin() as connection:
        connection.execute(text("insert into users (username, password_hash, active) values ('emma', :h, :a)"),
                           {"h": Passwords(TEST_PASSWORD_METHOD).hash(PASSWORD), "a": True})
        user_id = connection.execute(text("select id from users")).scalar_one()
        connection.execute(text("insert into api_tokens (user_id, token_hash, created_at) values (:u, :h, :at)")
                           .bindparams(bindparam("at", type_=UtcDateTime())),
                           {"u": user_id, "h": "a" * 64, "at": clock() - timedelta(days=400)})
    database.create_schema()
    accounts = Accounts(database, clock, TEST_PASSWORD_METHOD)
    assert accounts.authenticate("emma", PASSWORD).session_version == 1
    [old] = accounts.tokens_of("emma")
    assert old.status == "active" and timedelta(days=89) < old.expires_at - clock() <= timedelta(days=91)
    with database.reading() as session:
        assert session.scalar(select(ApiToken.revoked_at)) is None
    database.dispose()
