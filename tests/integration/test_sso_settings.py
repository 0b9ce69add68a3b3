"""The single sign-on settings as an operator writes them in the environment, and
POLICYFLOW_LOCAL_SIGNIN=off (the login page then takes no password)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.html import visible_text
from webapp.config import ConfigurationError

SSO = {"POLICYFLOW_OIDC_ISSUER": "https://login.trust.example", "POLICYFLOW_OIDC_CLIENT_ID": "policyflow",
       "POLICYFLOW_OIDC_CLIENT_SECRET": "secret"}


def settings(monkeypatch, **environment):
    from webapp import oidc_config

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return oidc_config.settings()


def test_the_settings_and_their_defaults(monkeypatch):
    found = settings(monkeypatch, **SSO, POLICYFLOW_OIDC_NAME="NHS mail",
                     POLICYFLOW_OIDC_ROLE_MAP='{"Imaging-Managers": "manager", "Sonographers": ["staff"]}')
    assert (found["OIDC_ISSUER"], found["OIDC_NAME"], found["OIDC_ROLES_CLAIM"], found["OIDC_DEPARTMENT_CLAIM"],
            found["OIDC_ROLE_MAP"], found["LOCAL_SIGNIN"]) == (
        "https://login.trust.example", "NHS mail", "roles", "department",
        {"Imaging-Managers": ["manager"], "Sonographers": ["staff"]}, True)


@pytest.mark.parametrize(("environment", "message"), [
    ({"POLICYFLOW_OIDC_ISSUER": "https://login.trust.example"}, "needs POLICYFLOW_OIDC_CLIENT_ID"),
    ({**SSO, "POLICYFLOW_OIDC_ROLE_MAP": "{not json"}, "POLICYFLOW_OIDC_ROLE_MAP is not JSON"),
    ({**SSO, "POLICYFLOW_OIDC_ROLE_MAP": '{"Admins": "root"}'}, "maps 'Admins' to root, which is not a role"),
    ({"POLICYFLOW_LOCAL_SIGNIN": "off"}, "POLICYFLOW_LOCAL_SIGNIN=off needs single sign-on"),
    ({**SSO, "POLICYFLOW_LOCAL_SIGNIN": "maybe"}, "must be on or off"),
])
def test_a_setting_that_cannot_work_is_named(monkeypatch, environment, message):
    with pytest.raises(ConfigurationError, match=message):
        settings(monkeypatch, **environment)


def test_with_local_sign_in_off_the_login_page_takes_no_password(services, people, tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    for name, value in {**SSO, "POLICYFLOW_LOCAL_SIGNIN": "off", "POLICYFLOW_OIDC_NAME": "NHS mail"}.items():
        monkeypatch.setenv(name, value)
    # No form on the page, so no CSRF token either: without the check, the refusal itself is seen.
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, services=services).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with NHS mail" in visible_text(page) and 'name="password"' not in page
    refused = client.post("/login", data={"username": "mary", "password": PASSWORD})
    assert refused.status_code == 403 and "does not take passwords" in visible_text(refused.get_data(as_text=True))
    assert client.get("/inbox").status_code == 302


def test_without_single_sign_on_the_login_page_is_as_before(client, people):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with" not in visible_text(page) and 'name="password"' in page
    assert client.get("/login/sso").status_code == 404


def test_signing_out_while_the_provider_cannot_be_reached_signs_out_here_and_says_so(services, people, tmp_path,
                                                                                      monkeypatch):
    """The provider's sign-out address comes from its discovery document; a worker that has not read
    it yet, with the provider down, still signs the person out here, and tells them what is left."""
    from tests.mail_server import free_port
    from tests.web import login, logout
    from webapp import create_app

    monkeypatch.chdir(tmp_path)
    issuer = f"http://127.0.0.1:{free_port()}"  # nothing answers there
    for name, value in {**SSO, "POLICYFLOW_OIDC_ISSUER": issuer, "POLICYFLOW_OIDC_NAME": "NHS mail"}.items():
        monkeypatch.setenv(name, value)
    client = create_app({"TESTING": True}, services=services).test_client()
    login(client, "mary")
    with client.session_transaction() as session:  # as a sign-in through the provider leaves it
        session["oidc_signed_in"] = {"id_token": None}
    answer = logout(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = visible_text(client.get("/published").get_data(as_text=True))
    assert "You have signed out." in page
    assert "NHS mail could not be reached to sign you out there as well: close the browser" in page
    assert client.get("/inbox").status_code == 302
