"""Signing in resists guessing: failures are throttled per account and per address,
unknown usernames cannot be told from wrong passwords, and a session ends for good
at sign-out and at a password change, even in a copied cookie.

Each browser is a Flask test client with its own client address (REMOTE_ADDR; the
addresses are documentation ones, no traffic leaves the process). Windows pass by
moving the services' clock, which the rate-limit storage reads.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select, update

import workflows.people.passwords
from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import audit_events
from tests.web import csrf_token, login, logout
from workflows.people.rate_limits import STORAGE_URI
from workflows.storage.schema import RateLimitWindow, User

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"SIGNIN_LIMIT_PER_ACCOUNT": "3 per 10 minutes", "SIGNIN_LIMIT_PER_ADDRESS": "8 per hour"}


@pytest.fixture
def app(services, tmp_path, monkeypatch):
    """The app with small limits, so tests reach them quickly (the defaults are tested below)."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    return create_app({"TESTING": True, **LIMITS}, services=services)


def browser(app, address: str = "203.0.113.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, username: str, password: str, **headers):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client, "/login")}, headers=headers)


def text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def fail(client, username: str, times: int, **headers) -> None:
    for attempt in range(times):
        response = sign_in(client, username, "wrong password", **headers)
        assert response.status_code == 401, (attempt, response.status_code, text(response))


def assert_throttled(response, reason: str, minutes: int) -> None:
    """A 429 login page that says why and how long to wait, still offering the form."""
    assert response.status_code == 429, (response.status_code, text(response))
    shown = text(response)
    assert reason in shown and f"wait {minutes} minute" in shown, shown
    assert "Traceback" not in response.get_data(as_text=True) and 'name="password"' in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == minutes * 60


# ----------------------------------------------------------------- throttling


def test_the_probe_fifty_wrong_passwords_then_the_right_one_is_refused_with_the_defaults(services, people, tmp_path,
                                                                                         monkeypatch):
    """The reported attack, against the shipped limits (5 failures per 15 minutes per account and address)."""
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    for name in ("POLICYFLOW_SIGNIN_LIMIT_PER_ACCOUNT", "POLICYFLOW_SIGNIN_LIMIT_PER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    client = browser(create_app({"TESTING": True}, services=services))
    statuses = [sign_in(client, "mary", f"guess {n}").status_code for n in range(50)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert_throttled(sign_in(client, "mary", PASSWORD), "Too many failed sign-ins for this username", 15)
    assert client.get("/inbox").status_code == 302, "the right password did not get through while throttled"


def test_an_account_is_paused_after_its_failures_and_opens_again_when_the_window_ends(app, services, clock, people):
    client = browser(app)
    fail(client, "mary", 3)
    assert_throttled(sign_in(client, "mary", PASSWORD), "Too many failed sign-ins for this username", 10)
    clock.advance(minutes=4)
    assert_throttled(sign_in(browser(app), "mary", PASSWORD), "for this username", 6)
    clock.advance(minutes=6)
    assert sign_in(client, "mary", PASSWORD).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_an_unknown_username_is_throttled_exactly_like_a_real_one(app, people):
    """Throttling must not become a way to find out which usernames exist."""
    client = browser(app)
    answers = {}
    for username in ("mary", "nobody-here"):
        fail(client, username, 3)
        answers[username] = sign_in(client, username, PASSWORD)
    assert [r.status_code for r in answers.values()] == [429, 429]
    assert text(answers["mary"]) == text(answers["nobody-here"])


def test_other_peoples_failures_do_not_block_a_correct_sign_in_below_the_address_limit(app, people):
    attacker = browser(app, "203.0.113.66")
    fail(attacker, "mary", 3)
    fail(attacker, "emma", 3)
    colleague = browser(app, "203.0.113.66")  # same address (a shared hospital address), another account
    assert sign_in(colleague, "sam", PASSWORD).status_code == 302
    elsewhere = browser(app, "198.51.100.5")
    assert sign_in(elsewhere, "alex", PASSWORD).status_code == 302
    assert sign_in(browser(app, "203.0.113.66"), "mary", PASSWORD).status_code == 429, \
        "mary's account stays paused from the guessing address"
    assert sign_in(elsewhere, "mary", PASSWORD).status_code == 302, "mary signs in from another address"


def test_an_address_is_paused_after_failures_across_many_accounts(app, people):
    """Password spraying: one guess at each of many usernames, from one address."""
    sprayer = browser(app, "203.0.113.9")
    for username in ("mary", "sam", "alex", "kim", "pat", "emma", "ian", "olga"):
        fail(sprayer, username, 1)
    assert_throttled(sign_in(sprayer, "nina", "guess"), "Too many failed sign-ins from your network address", 60)
    assert_throttled(sign_in(browser(app, "203.0.113.9"), "sam", PASSWORD), "from your network address", 60)
    assert sign_in(browser(app, "198.51.100.7"), "sam", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures_but_not_the_addresses(app, people):
    client = browser(app)
    fail(client, "mary", 2)
    assert sign_in(client, "mary", PASSWORD).status_code == 302
    other = browser(app)
    fail(other, "mary", 2)  # 4 in all: without the clearing, the 3-per-window limit would already refuse
    assert sign_in(other, "mary", PASSWORD).status_code == 302
    fail(other, "sam", 3)
    fail(other, "kim", 1)  # 8 failures from this address, none forgiven by mary's successes
    assert_throttled(sign_in(other, "alex", PASSWORD), "from your network address", 60)


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(app, people):
    """With no trusted proxy configured, X-Forwarded-For is the client's own claim and ignored."""
    client = browser(app, "203.0.113.20")
    for n, username in enumerate(("mary", "sam", "alex", "kim", "pat", "emma", "ian", "olga")):
        fail(client, username, 1, **{"X-Forwarded-For": f"192.0.2.{n}"})
    assert sign_in(client, "nina", "guess", **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_under_its_own_address(services, people, tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    app = create_app({"TESTING": True, **LIMITS, "TRUSTED_PROXIES": 1}, services=services)
    proxy = "198.51.100.1"  # every request arrives from the proxy, which appends the client's address
    attacker = browser(app, proxy)
    for n, username in enumerate(("mary", "sam", "alex", "kim", "pat", "emma", "ian", "olga")):
        fail(attacker, username, 1, **{"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.50"})
    assert sign_in(attacker, "nina", "guess", **{"X-Forwarded-For": "203.0.113.50"}).status_code == 429
    colleague = browser(app, proxy)
    assert sign_in(colleague, "sam", PASSWORD, **{"X-Forwarded-For": "203.0.113.51"}).status_code == 302


def test_a_refused_csrf_token_or_a_page_view_uses_up_no_attempts(app, people):
    client = browser(app)
    for _ in range(5):
        assert client.post("/login", data={"username": "mary", "password": "x"}).status_code == 400
        assert client.get("/login").status_code == 200
    assert sign_in(client, "mary", PASSWORD).status_code == 302


# ------------------------------------------------------- the storage, across processes

COUNTER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from limits.storage import storage_from_string
    import workflows.people.rate_limits  # registers the policyflow-database:// scheme
    from workflows.storage.database import Database
    database = Database(sys.argv[1])
    storage = storage_from_string(sys.argv[2], database=database, clock=lambda: datetime.now(timezone.utc))
    sys.stdin.readline()  # start together
    counts = [storage.incr("shared-key", 600) for _ in range(int(sys.argv[3]))]
    print(max(counts))
    database.dispose()
""")


def test_counts_from_several_processes_add_up_exactly(database_url, services):
    """Several worker processes on one database (SQLite file or PostgreSQL) share one count."""
    from tests.conftest import make_services
    from workflows.wiring import utc_now

    shared = make_services(database_url, utc_now)
    with ExitStack() as running:
        workers = [running.enter_context(subprocess.Popen(
            [sys.executable, "-c", COUNTER, database_url, STORAGE_URI, "25"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)) for _ in range(3)]
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0]
    highest = [int(output) for output in outputs]
    with shared.database.reading() as session:
        assert session.scalar(select(RateLimitWindow.count).where(RateLimitWindow.key == "shared-key")) == 75
    assert max(highest) == 75, "each increment saw every earlier one"
    shared.database.dispose()


def test_failures_counted_by_one_app_process_throttle_another(services, people, tmp_path, monkeypatch):
    """Two apps with their own engines over one database, as two gunicorn workers would be."""
    from tests.conftest import make_services
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    other_services = make_services(services.database.url, services.clock)
    first = create_app({"TESTING": True, **LIMITS}, services=services)
    second = create_app({"TESTING": True, **LIMITS}, services=other_services)
    fail(browser(first), "mary", 2)
    fail(browser(second), "mary", 1)
    assert sign_in(browser(first), "mary", PASSWORD).status_code == 429
    other_services.database.dispose()


# ------------------------------------------------------------ unknown usernames


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The method of every password hash checked (werkzeug's real check still runs)."""
    checked: list[str] = []
    real = workflows.people.passwords.check_password_hash

    def recording(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash.split("$", 1)[0])
        return real(stored_hash, password)

    monkeypatch.setattr(workflows.people.passwords, "check_password_hash", recording)
    return checked


def test_unknown_and_inactive_users_cost_the_same_hash_check_as_a_wrong_password(services, people, hash_checks):
    with services.database.transaction() as session:
        session.execute(update(User).where(User.username == "olga").values(active=False))
        method = session.scalar(select(User.password_hash).where(User.username == "mary")).split("$", 1)[0]
    for username in ("mary", "nobody-here", "olga"):
        hash_checks.clear()
        assert services.accounts.authenticate(username, "wrong password") is None
        assert hash_checks == [method], (username, hash_checks)
    hash_checks.clear()
    assert services.accounts.authenticate("olga", PASSWORD) is None, "an inactive person cannot sign in"
    assert hash_checks == [method]


def test_the_login_page_answers_an_unknown_user_as_it_answers_a_wrong_password(app, people, hash_checks):
    client = browser(app)
    wrong, unknown = sign_in(client, "mary", "wrong password"), sign_in(client, "nobody-here", "wrong password")
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert text(wrong).replace("mary", "") == text(unknown).replace("nobody-here", "")
    assert "not right" in text(unknown) and len(hash_checks) == 2 and len(set(hash_checks)) == 1


# ------------------------------------------------------------------- sessions


def copy_of_session(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = browser(app)
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def test_a_session_cookie_copied_before_sign_out_does_not_work_after_it(app, people):
    client = browser(app)
    login(client, "mary")
    thief = copy_of_session(app, client)
    assert thief.get("/inbox").status_code == 200, "the copy works while the session lasts"
    assert logout(client).status_code == 302
    assert client.get("/inbox").status_code == 302
    response = thief.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signing_out_says_it_ends_the_session_on_every_device(app, people):
    laptop, desk = browser(app), browser(app, "203.0.113.3")
    login(laptop, "mary")
    login(desk, "mary")
    signed_out = laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/inbox")}, follow_redirects=True)
    assert "You have signed out. Your sessions on other devices have ended too." in text(signed_out)
    assert desk.get("/inbox").status_code == 302
    login(desk, "mary")
    assert desk.get("/inbox").status_code == 200, "signing in again works"


def test_changing_a_password_ends_every_session_and_only_the_new_password_works(app, services, people):
    client = browser(app)
    login(client, "mary")
    thief = copy_of_session(app, client)
    services.accounts.set_password("mary", "a new passphrase", actor="admin_alice")
    assert client.get("/inbox").status_code == 302 and thief.get("/inbox").status_code == 302
    assert sign_in(browser(app), "mary", PASSWORD).status_code == 401
    assert sign_in(browser(app), "mary", "a new passphrase").status_code == 302
    [event] = audit_events(services, action="password_changed")
    assert (event.actor, event.data) == ("admin_alice", {"username": "mary"})
    assert "a new passphrase" not in json.dumps([e.data for e in audit_events(services)])


def test_a_password_change_needs_a_known_person_and_a_password(services, people):
    from workflows.errors import InvalidInput, NotFound

    with pytest.raises(NotFound, match="nobody"):
        services.accounts.set_password("nobody", "pw")
    with pytest.raises(InvalidInput, match="password"):
        services.accounts.set_password("mary", "")
    assert services.accounts.authenticate("mary", PASSWORD) is not None
