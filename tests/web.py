"""Helpers for driving the HTML pages with Flask's test client, as a browser would."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url`` (fetched like a browser would)."""
    page = client.get(url)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} (status {page.status_code})"
    return found.group(1)


def submit(client, url: str, data: dict, follow_redirects: bool = False):
    """GET the form at ``url``, then POST ``data`` with its CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)}, follow_redirects=follow_redirects)


def login(client, username: str, password: str = PASSWORD):
    response = submit(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    return response


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})


def html_form_data(answers: dict) -> dict:
    """Answers as an HTML form posts them: lists as repeated fields, yes/no as "true"/"false"."""
    data = {}
    for name, value in answers.items():
        if isinstance(value, bool):
            data[name] = "true" if value else "false"
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    return data
