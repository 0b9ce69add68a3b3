"""The ``policyflow`` command as an operator uses it: set up, add people and tokens, deploy, run timers.

Each test gets its own SQLite file and working directory, configured only through
the environment the command reads, and checks what the operator sees (output and
exit code) and what then works (signing in, the API, the deployed version).
"""
from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from tests.conftest import PASSWORD
from webapp.cli import main
from workflows.wiring import build_services

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
DIAGRAM = BPMN / "policy_lifecycle.bpmn"
DECISIONS = (BPMN / "risk_rating_initial.dmn", BPMN / "risk_rating.dmn")  # the initial and residual ratings
PROBLEM_LINE = re.compile(r"^\S+\.bpmn:\d+: \S+: .+$")
NEW_PASSWORD = "tulip orbit lantern"  # passes the password rules, as PASSWORD does


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("POLICYFLOW_DATABASE_URL", url)
    monkeypatch.delenv("POLICYFLOW_DEMO_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    return url


@pytest.fixture
def stored(db_url):
    """The services over the command's database, to check what the command did (the CLI's own view)."""
    built = build_services(db_url)
    yield built
    built.database.dispose()


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
    return result


@pytest.fixture
def initialised(db_url):
    return run("init")


def api_get(path: str, token: str):
    """GET the API of an app built from the same environment, as a server started there would be."""
    from webapp import create_app

    app = create_app()
    try:
        return app.test_client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    finally:
        app.extensions["policyflow"].database.dispose()


def demo_accounts(output: str) -> dict[str, str]:
    """{username: password} of the accounts ``init --demo`` says it created."""
    lines = output.split("Demo accounts", 1)[1].splitlines()[1:]
    return {m[1]: m[2] for line in lines if (m := re.match(r"^\s+(\S+)\s+(\S+)\s+\S", line))}


def test_init_demo_prints_accounts_that_can_sign_in_and_is_harmless_twice(db_url, stored):
    first = run("init", "--demo")
    accounts = demo_accounts(first.stdout)
    assert len(accounts) >= 5 and "version 1 deployed" in first.stdout
    for username, password in accounts.items():
        assert stored.accounts.authenticate(username, password) is not None, username
    second = run("init", "--demo")
    assert "version 1 is current" in second.stdout
    again = [line.split()[0] for line in second.stdout.splitlines() if "already exists" in line]
    assert sorted(again) == sorted(accounts)  # each listed again, none re-created
    assert all(stored.accounts.authenticate(u, p) for u, p in accounts.items())
    assert [v.version for v in stored.processes.latest_versions()] == [1]


def test_user_add_creates_a_person_who_can_sign_in(initialised, stored):
    added = run("user", "add", "nina", "--role", "staff", "--role", "manager", "--department", "Cardiology",
                "--password", PASSWORD, "--email", "nina@example.org")
    assert "nina" in added.stdout
    actor = stored.accounts.authenticate("nina", PASSWORD)
    assert actor is not None and actor.roles == {"staff", "manager"} and actor.department == "Cardiology"
    assert stored.accounts.authenticate("nina", "wrong") is None


def test_user_add_knows_the_governance_roles(initialised, stored):
    for name, role in (("chair", "committee"), ("eve", "equality_lead"), ("iggy", "information_governance")):
        added = run("user", "add", name, "--role", role, "--password", PASSWORD)
        assert f"Added {name} ({role})" in added.stdout
        assert stored.accounts.authenticate(name, PASSWORD).roles == {role}


def test_user_invite_mails_a_link_to_choose_a_password(initialised, stored, monkeypatch):
    from tests.mail_server import MailServer

    server = MailServer().start()
    try:
        result = run("user", "invite", "nina", "--email", "nina@hospital.example", "--role", "manager",
                     "--department", "Cardiology")
        assert "Invited nina (manager)" in result.stdout and "POLICYFLOW_SMTP_URL is not set" in result.stderr
        person = stored.accounts.person("nina")
        assert (person.roles, person.department, person.email) == (("manager",), "Cardiology", "nina@hospital.example")
        monkeypatch.setenv("POLICYFLOW_SMTP_URL", server.url)
        run("mail", "send")
        [mail] = server.messages_to("nina@hospital.example")
        link = re.search(r"http://127\.0\.0\.1:5000(/invitations/\S+)", mail.get_content()).group(1)
        assert stored.invitations.invited(link.rsplit("/", 1)[1]).username == "nina"
    finally:
        server.stop()


def test_user_invite_needs_an_address_and_known_roles(initialised):
    assert "--email" in run("user", "invite", "nina", "--role", "staff", code=2).output
    assert "Unknown role wizard" in run("user", "invite", "nina", "--email", "n@x.example", "--role", "wizard",
                                        code=1).stderr


def test_user_add_with_an_unknown_role_fails_and_says_why(initialised, stored):
    result = run("user", "add", "nina", "--role", "wizard", "--password", PASSWORD, code=1)
    assert "wizard" in result.stderr and "Traceback" not in result.output
    assert "nina" not in [p.username for p in stored.accounts.people()]


@pytest.mark.parametrize("password, says", [
    ("short", "error: password: Choose a password of at least 10 characters"),
    ("password123", "error: password: This password would be easy to guess: This is a very common password."),
    ("nina.smith.2024", "error: password: This password would be easy to guess"),  # her own name and address
])
def test_user_add_refuses_a_password_people_could_not_choose_themselves(initialised, stored, password, says):
    result = run("user", "add", "nina", "--role", "staff", "--email", "nina.smith@hospital.example",
                 "--password", password, code=1)
    assert result.stderr.startswith(says) and "Traceback" not in result.output and not result.stdout
    assert "nina" not in [p.username for p in stored.accounts.people()]


def test_user_add_names_every_problem_at_once(initialised, stored):
    result = run("user", "add", "nina smith", "--role", "wizard", "--password", "short", code=1)
    assert [line.split(":")[1].strip() for line in result.stderr.splitlines()] == ["username", "password", "role"]
    assert "Unknown role wizard" in result.stderr and "Traceback" not in result.output


def test_user_password_refuses_a_weak_password_and_keeps_the_old_one(initialised, stored):
    run("user", "add", "nina", "--role", "staff", "--email", "nina@hospital.example", "--password", PASSWORD)
    result = run("user", "password", "nina", "--password", "nina-hospital", code=1)
    assert result.stderr.startswith("error: password: This password would be easy to guess")
    assert "Traceback" not in result.output and "Changed" not in result.stdout
    typed = CliRunner().invoke(main, ["user", "password", "nina"], input="qwertyuiop\nqwertyuiop\n")
    assert typed.exit_code == 1 and "error: password: This password would be easy to guess" in typed.output
    assert stored.accounts.authenticate("nina", PASSWORD) is not None


def test_token_create_prints_one_token_that_works_for_the_api(initialised):
    run("user", "add", "nina", "--role", "manager", "--department", "Cardiology", "--password", PASSWORD)
    output = run("token", "create", "nina").stdout
    assert len(output.splitlines()) == 1 and output.strip() and " " not in output.strip()
    me = api_get("/me", output.strip())
    assert me.status_code == 200 and me.get_json()["username"] == "nina"
    assert api_get("/me", output.strip() + "x").status_code == 401


def test_token_create_for_nobody_fails(initialised):
    assert "nobody" in run("token", "create", "nobody", code=1).stderr


def test_token_create_with_an_expiry_says_when_it_expires(initialised, stored):
    run("user", "add", "nina", "--role", "manager", "--department", "Cardiology", "--password", PASSWORD)
    result = run("token", "create", "nina", "--expires-in", "7")
    [listed] = stored.accounts.tokens_of("nina")
    assert listed.expires_at - listed.created_at == timedelta(days=7)
    assert f"API token {listed.id} for nina, expires {listed.expires_at:%Y-%m-%d %H:%M} UTC." in result.stderr
    assert api_get("/me", result.stdout.strip()).status_code == 200


@pytest.mark.parametrize("days", ["0", "3651", "soon"])
def test_token_create_with_an_impossible_expiry_says_why(initialised, days):
    run("user", "add", "nina", "--role", "manager", "--password", PASSWORD)
    result = run("token", "create", "nina", "--expires-in", days, code=2)
    assert "--expires-in" in result.stderr and days in result.stderr and "Traceback" not in result.output


def test_token_list_shows_dates_and_status_never_the_tokens(initialised, stored):
    run("user", "add", "nina", "--role", "manager", "--department", "Cardiology", "--password", PASSWORD)
    assert run("token", "list", "nina").stdout.strip() == "nina has no API tokens."
    used, unused = run("token", "create", "nina").stdout.strip(), run("token", "create", "nina").stdout.strip()
    api_get("/me", used)
    output = run("token", "list", "nina").stdout
    assert used not in output and unused not in output
    header, *rows = output.strip().splitlines()
    assert header.split() == ["id", "created", "expires", "last", "used", "status"]
    assert len(rows) == 2 and rows[0].endswith("active") and "never" in rows[1] and "never" not in rows[0]
    assert "nobody" in run("token", "list", "nobody", code=1).stderr


def test_token_revoke_stops_the_token_at_once(initialised, stored):
    run("user", "add", "nina", "--role", "manager", "--department", "Cardiology", "--password", PASSWORD)
    token = run("token", "create", "nina").stdout.strip()
    [listed] = stored.accounts.tokens_of("nina")
    assert run("token", "revoke", str(listed.id)).stdout.strip() == f"Revoked API token {listed.id} of nina."
    refused = api_get("/me", token)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["errors"][0]["message"]
    assert "revoked 20" in run("token", "list", "nina").stdout
    assert "already revoked" in run("token", "revoke", str(listed.id), code=1).stderr
    assert "There is no API token 999." in run("token", "revoke", "999", code=1).stderr


def test_user_password_changes_the_password(initialised, stored):
    run("user", "add", "nina", "--role", "staff", "--password", PASSWORD)
    assert "nina" in run("user", "password", "nina", "--password", NEW_PASSWORD).stdout
    assert stored.accounts.authenticate("nina", PASSWORD) is None
    assert stored.accounts.authenticate("nina", NEW_PASSWORD) is not None
    assert "nobody" in run("user", "password", "nobody", "--password", PASSWORD, code=1).stderr


def test_user_password_asks_for_the_password_when_left_out(initialised, stored):
    run("user", "add", "nina", "--role", "staff", "--password", PASSWORD)
    result = CliRunner().invoke(main, ["user", "password", "nina"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0 and NEW_PASSWORD not in result.output
    assert stored.accounts.authenticate("nina", NEW_PASSWORD) is not None


def test_a_bad_throttling_setting_is_named_without_a_traceback(initialised, monkeypatch):
    monkeypatch.setenv("POLICYFLOW_SIGNIN_LIMIT_PER_ACCOUNT", "5 per fortnight")
    result = run("token", "list", "nina", code=2)
    assert "POLICYFLOW_SIGNIN_LIMIT_PER_ACCOUNT='5 per fortnight'" in result.stderr and "Traceback" not in result.output


def renamed_copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the diagram with one change, beside a copy of its forms (as a designer would edit it)."""
    copy = tmp_path / "edited" / DIAGRAM.name
    shutil.copytree(BPMN / "forms", copy.parent / "forms")
    text = DIAGRAM.read_text()
    assert old in text
    copy.write_text(text.replace(old, new, 1))
    return copy


def start_policy(token: str) -> dict:
    from webapp import create_app

    app = create_app()
    try:
        response = app.test_client().post("/api/v1/policies", json={"title": "Recording", "department": "Cardiology"},
                                          headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    finally:
        app.extensions["policyflow"].database.dispose()


def test_deploy_makes_a_new_version_only_when_the_content_changed(initialised, tmp_path):
    run("user", "add", "nina", "--role", "manager", "--department", "Cardiology", "--password", PASSWORD)
    token = run("token", "create", "nina").stdout.strip()
    assert "unchanged" in run("deploy", str(DIAGRAM), *map(str, DECISIONS)).stdout
    before = start_policy(token)

    edited = renamed_copy(tmp_path, 'name="Draft the policy"', 'name="Write the policy"')
    assert "version 2 deployed" in run("deploy", str(edited), *map(str, DECISIONS)).stdout
    assert "unchanged" in run("deploy", str(edited), *map(str, DECISIONS)).stdout
    processes = api_get("/processes", token).get_json()
    assert [(p["id"], p["version"]) for p in processes] == [(before["process"]["id"], 2)]

    after = start_policy(token)
    assert after["process"]["version"] == 2 and after["ready_tasks"][0]["title"] == "Write the policy"
    kept = api_get(f"/policies/{before['id']}", token).get_json()
    assert kept["process"]["version"] == 1 and kept["ready_tasks"][0]["title"] == "Draft the policy"


def element_lines(path: Path, element_id: str) -> range:
    """The lines an element spans in its file (its start tag to its last descendant)."""
    element = etree.parse(str(path)).getroot().xpath("//*[@id=$id]", id=element_id)[0]
    return range(element.sourceline, max(node.sourceline for node in element.iter()) + 1)


def test_deploying_a_broken_diagram_lists_each_problem_with_its_line(initialised, tmp_path, stored):
    broken = renamed_copy(tmp_path, 'targetRef="assess_risks"', 'targetRef="no_such_task"')
    broken.write_text(broken.read_text().replace('employer_signoff["decision"] == "approved"', "x ==== 1", 1))
    result = run("deploy", str(broken), *map(str, DECISIONS), code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(PROBLEM_LINE.match(line) for line in lines), result.stderr
    located = {line.split(":")[2].strip(): int(line.split(":")[1]) for line in lines}
    assert set(located) == {"flow_draft_assess", "flow_employer_approved"}
    for element, line in located.items():
        assert line in element_lines(broken, element), (element, line)
    assert [v.version for v in stored.processes.latest_versions()] == [1]


def test_timers_run_with_nothing_due(initialised):
    assert run("timers", "run").stdout.strip().splitlines()[-2:] == ["0 policies advanced.", "0 reminders queued."]


def test_mail_send_sends_what_waits_and_says_what_it_did(initialised, stored, monkeypatch):
    from tests.mail_server import MailServer

    server = MailServer().start()
    try:
        run("user", "add", "mary", "--role", "manager", "--department", "Ultrasound", "--password", PASSWORD,
            "--email", "mary@hospital.example")
        stored.commands.start(stored.accounts.authenticate("mary", PASSWORD), "Recording", "Ultrasound")
        monkeypatch.setenv("POLICYFLOW_SMTP_URL", server.url)
        assert run("mail", "send").stdout.strip() == "Mail: 1 sent, 0 to retry later, 0 failed."
        (mail,) = server.messages_to("mary@hospital.example")
        # Links are written with the mail, from the writing process's POLICYFLOW_BASE_URL (here the default).
        assert "http://127.0.0.1:5000/tasks/" in mail.get_content()
        assert run("mail", "send").stdout.strip() == "Mail: 0 sent, 0 to retry later, 0 failed."
    finally:
        server.stop()


def test_mail_send_while_the_server_is_down_exits_1_and_keeps_the_mail(initialised, stored, monkeypatch):
    from tests.mail_server import free_port

    run("user", "add", "mary", "--role", "manager", "--department", "Ultrasound", "--password", PASSWORD,
        "--email", "mary@hospital.example")
    stored.commands.start(stored.accounts.authenticate("mary", PASSWORD), "Recording", "Ultrasound")
    monkeypatch.setenv("POLICYFLOW_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    result = run("mail", "send", code=1)
    assert "Mail: 0 sent, 1 to retry later, 0 failed." in result.stdout
    assert "could not be reached" in result.stderr


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("POLICYFLOW_SMTP_URL", "http://mail.example.org", "is not an SMTP address"),
    ("POLICYFLOW_SMTP_URL", "smtp://mail.example.org:port", "port that is not a number"),
    ("POLICYFLOW_BASE_URL", "policies.example.org", "must start with http:// or https://"),
    ("POLICYFLOW_MAIL_FROM", "policyflow", "is not an e-mail address"),
])
def test_a_bad_mail_setting_is_named_without_a_traceback(initialised, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    result = run("mail", "send", code=2)
    assert message in result.stderr and "Traceback" not in result.output


def test_a_database_url_that_is_not_one_is_named_without_a_traceback(initialised, monkeypatch):
    monkeypatch.setenv("POLICYFLOW_DATABASE_URL", "policyflow.db")
    result = run("init", code=2)
    assert "POLICYFLOW_DATABASE_URL='policyflow.db' is not a database URL" in result.stderr
    assert "Traceback" not in result.output


def test_mail_send_without_a_server_says_how_to_set_one(initialised, monkeypatch):
    monkeypatch.delenv("POLICYFLOW_SMTP_URL", raising=False)
    assert "POLICYFLOW_SMTP_URL is not set" in run("mail", "send", code=1).stderr


def test_serve_explains_its_options():
    output = run("serve", "--help").stdout
    assert "--host" in output and "--port" in output


# ----------------------------------------------------------------- deploy refuses what it cannot store or read

FORM_PROBLEM_LINE = re.compile(r"^\S+\.schema\.json:\d+: \S+: .+$")


def problems(result) -> list[str]:
    """The problem lines of a refused deploy, after checking the operator saw no traceback."""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.stderr.strip().splitlines()


def test_deploy_refuses_a_form_named_outside_the_bundle_and_reads_nothing_there(initialised, tmp_path, stored):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_text('{"type": "object", "properties": {"secret": {"type": "string"}}}')
    edited = renamed_copy(tmp_path, 'value="staff_consultation.schema.json"', 'value="../../../outside/x.json"')
    [line] = problems(run("deploy", str(edited), *map(str, DECISIONS), code=1))
    assert PROBLEM_LINE.match(line) and ": staff_consultation: " in line and "plain file name" in line, line
    assert int(line.split(":")[1]) in element_lines(edited, "staff_consultation")
    assert [v.version for v in stored.processes.latest_versions()] == [1]


def test_deploy_refuses_a_latin1_diagram_with_the_line_of_the_first_bad_byte(initialised, tmp_path, stored):
    edited = renamed_copy(tmp_path, 'name="Draft the policy"', 'name="Rédiger la politique"')
    edited.write_bytes(edited.read_text().encode("latin-1"))
    [line] = problems(run("deploy", str(edited), *map(str, DECISIONS), code=1))
    assert PROBLEM_LINE.match(line) and "not UTF-8 text" in line, line
    assert int(line.split(":")[1]) in element_lines(DIAGRAM, "draft_policy")
    assert [v.version for v in stored.processes.latest_versions()] == [1]


@pytest.mark.parametrize("field, change, culprit", [
    ("conditions", {"$ref": "#/$defs/text"}, '"$ref"'),
    ("comments", {"pattern": "^(\\w+)\\s\\1$"}, '"pattern"'),
], ids=["$ref", "backreference"])
def test_deploy_refuses_a_form_it_could_not_run_naming_form_line_and_field(initialised, tmp_path, stored,
                                                                           field, change, culprit):
    edited = renamed_copy(tmp_path, 'name="Draft the policy"', 'name="Write the policy"')
    form = edited.parent / "forms" / "staff_consultation.schema.json"
    schema = json.loads(form.read_text())
    schema["properties"][field].update(change)
    form.write_text(json.dumps(schema, indent=2))
    [line] = problems(run("deploy", str(edited), *map(str, DECISIONS), code=1))
    expected = next(n for n, text in enumerate(form.read_text().splitlines(), 1) if culprit in text)
    assert FORM_PROBLEM_LINE.match(line) and line.startswith(f"staff_consultation.schema.json:{expected}: {field}: ")
    assert [v.version for v in stored.processes.latest_versions()] == [1]


# ----------------------------------------------------------------- timers run --as-of

@pytest.fixture
def published(initialised, stored) -> tuple[int, datetime]:
    """A published policy (made through the services over the command's database) and its review date."""
    from tests.conftest import add_people
    from tests.lifecycle import to_published

    people = add_people(stored)
    policy_id = to_published(stored, people)
    due = stored.queries.policy(people["mary"], policy_id)["next_review_at"]
    assert due is not None
    return policy_id, due


def test_timers_run_as_of_fires_what_would_be_due_then(published):
    policy_id, due = published
    assert "0 policies advanced." in run("timers", "run").stdout.splitlines()
    the_day_before = (due - timedelta(days=1)).date().isoformat()
    assert "0 policies advanced." in run("timers", "run", "--as-of", the_day_before).stdout.splitlines()
    a_minute_early = (due - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert "0 policies" in run("timers", "run", "--as-of", a_minute_early.isoformat()).stdout
    just_after = (due + timedelta(minutes=1)).astimezone(timezone.utc).replace(tzinfo=None)  # no offset: UTC
    output = run("timers", "run", "--as-of", just_after.isoformat(timespec="minutes")).stdout.strip().splitlines()
    assert output[:2] == [f"policy {policy_id}: review_due", "1 policy advanced."]


@pytest.mark.parametrize("when", ["next tuesday", "2026-13-01", "", "0001-01-01T00:00+05:00"])
def test_timers_run_as_of_a_bad_moment_is_a_usage_error(initialised, when):
    result = run("timers", "run", "--as-of", when, code=2)
    assert "Invalid value for '--as-of'" in result.stderr and "2026-12-01" in result.stderr
    assert "Traceback" not in result.output
