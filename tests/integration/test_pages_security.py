"""The pages resist script injection, cross-site request forgery, open redirects and
information leaks, and answer every refusal with a page that explains it.

Script payloads are typed where people type (the title and the free-text fields)
and then looked for on every page that shows them: a reader must see them as
text, and the page must never contain them raw or grow the element they inject.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.answers import answers_for
from tests.conftest import PASSWORD
from tests.html import visible_text
from tests.lifecycle import complete, to_published
from tests.web import csrf_token, html_form_data, login, submit

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


class _Scan(HTMLParser):
    """The text a reader sees, and any element that would run script."""

    def __init__(self, html: str):
        super().__init__()
        self.text, self.injected, self._in_script = [], [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if any(name.startswith("on") for name, _ in attrs):
            self.injected.append(f"<{tag}> with {[n for n, _ in attrs if n.startswith('on')]}")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.injected.append(f"<script>{data}</script>")
        elif not self._in_script:
            self.text.append(data)


def assert_shown_as_text(html: str, where: str, payload: str, texts: list[str]) -> None:
    """Each of ``texts`` (which contain ``payload``) is visible as text; the payload never runs."""
    scan = _Scan(html)
    assert payload not in html, f"{where}: the payload appears unescaped"
    assert not scan.injected, f"{where}: injected {scan.injected}"
    shown = "".join(scan.text)
    missing = [t for t in texts if t not in shown]
    assert not missing, f"{where}: does not show {missing} as text"


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


class Browsers(dict):
    """One signed-in browser per person, opened on first use."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def __missing__(self, username):
        self[username] = client = self.app.test_client()
        login(client, username)
        return client

    def task_page(self, username: str) -> str:
        """The page of the one task ``username``'s inbox links to."""
        links = re.findall(r'href="(/tasks/[^"]+)"', self[username].get("/inbox").get_data(as_text=True))
        assert len(links) == 1, f"{username}: {links}"
        return self[username].get(links[0]).get_data(as_text=True)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_payloads_show_as_text_on_every_page(app, services, people, payload):
    """Title, draft, staff, liaison, governance, sign-off and committee comments and the public summary are
    always escaped."""
    typed = {f: f"{payload} [{f}]" for f in ("title", "draft", "staff comments", "staff conditions",
                                             "liaison comments", "governance comments", "employer comments",
                                             "insurer comments", "committee comments", "summary")}
    b, person = Browsers(app), people  # browsers for the pages, actors for the service-level steps

    started = submit(b["mary"], "/policies/new", {"title": typed["title"], "department": "Ultrasound"}, follow_redirects=True)
    assert_shown_as_text(started.get_data(as_text=True), "policy page after starting", payload, [typed["title"]])
    policy_id = int(started.request.path.rsplit("/", 1)[1])
    complete(services, person["mary"], "draft_policy", summary=typed["draft"])
    complete(services, person["mary"], "assess_risks")
    assert_shown_as_text(b.task_page("sam"), "staff task page", payload, [typed["title"], typed["draft"]])
    assert_shown_as_text(b.task_page("eve"), "equality impact page", payload, [typed["title"], typed["draft"]])

    complete(services, person["sam"], "staff_consultation", comments=typed["staff comments"])
    complete(services, person["alex"], "staff_consultation", willing_to_be_filmed="willing_with_conditions",
             conditions=typed["staff conditions"])
    complete(services, person["kim"], "staff_consultation")
    complete(services, person["pat"], "patient_consultation", comments=typed["liaison comments"])
    complete(services, person["eve"], "equality_impact")
    consulted = [typed[f] for f in ("title", "staff comments", "staff conditions", "liaison comments")]
    assert_shown_as_text(b.task_page("mary"), "reassessment page", payload, consulted)
    complete(services, person["mary"], "reassess_risks")
    consulted = [typed[f] for f in ("title", "draft", "staff comments", "staff conditions", "liaison comments")]
    assert_shown_as_text(b.task_page("mary"), "revision page", payload, consulted)

    complete(services, person["mary"], "revise_policy", summary=typed["draft"], how_to_ask=typed["summary"])
    assert_shown_as_text(b.task_page("gil"), "information governance page", payload, [typed["title"], typed["draft"]])
    complete(services, person["gil"], "information_governance", comments=typed["governance comments"])
    assert_shown_as_text(b.task_page("emma"), "employer page", payload, [*consulted, typed["governance comments"]])
    complete(services, person["emma"], "employer_signoff", decision="changes_requested", comments=typed["employer comments"])
    assert_shown_as_text(b.task_page("mary"), "revision page after changes", payload, [*consulted, typed["employer comments"]])
    complete(services, person["mary"], "revise_policy", summary=typed["draft"], how_to_ask=typed["summary"])
    complete(services, person["gil"], "information_governance")
    complete(services, person["emma"], "employer_signoff", comments=typed["employer comments"])
    assert_shown_as_text(b.task_page("ian"), "insurer page", payload, [typed["title"], typed["draft"], typed["employer comments"]])
    complete(services, person["ian"], "insurer_signoff", comments=typed["insurer comments"])
    assert_shown_as_text(b.task_page("cora"), "ratification page", payload,
                         [*consulted, typed["employer comments"], typed["insurer comments"]])
    complete(services, person["cora"], "ratification", comments=typed["committee comments"])
    assert_shown_as_text(b.task_page("mary"), "publish page", payload,
                         [typed["title"], typed["insurer comments"], typed["committee comments"]])

    for url, texts in (("/inbox", [typed["title"]]), ("/policies/", [typed["title"]]),
                       (f"/policies/{policy_id}", [typed["title"], typed["draft"]])):
        assert_shown_as_text(b["mary"].get(url).get_data(as_text=True), url, payload, texts)
    complete(services, person["mary"], "publish_policy")
    public = app.test_client()
    assert_shown_as_text(public.get("/published").get_data(as_text=True), "/published", payload, [typed["title"]])
    assert_shown_as_text(public.get(f"/published/{policy_id}").get_data(as_text=True), "/published/<id>", payload,
                         [typed["title"], typed["draft"], typed["summary"]])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_title_refused_as_too_long_is_kept_escaped_in_its_input(client, people, payload):
    """The start form shows a refused title back inside value="…" without breaking out of it."""
    login(client, "mary")
    title = payload + "x" * 200
    response = submit(client, "/policies/new", {"title": title, "department": "Ultrasound"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert payload not in html and not _Scan(html).injected
    value = re.search(r'<input id="title"[^>]*\svalue="([^"]*)"', html)
    assert value and unescape(value.group(1)) == title


def test_login_without_csrf_token_is_refused(client, people):
    """A forged sign-in (login CSRF) must not sign anyone in."""
    response = client.post("/login", data={"username": "mary", "password": PASSWORD})
    assert response.status_code == 400 and "security token" in page_text(response)
    assert client.get("/inbox").status_code == 302  # not signed in


def test_start_without_csrf_token_is_refused(client, people):
    """Another site cannot start a policy in a manager's name."""
    login(client, "mary")
    response = client.post("/policies/new", data={"title": "Forged policy", "department": "Ultrasound"})
    assert response.status_code == 400 and "security token" in page_text(response)
    assert "Forged policy" not in page_text(client.get("/policies/"))


def test_task_submit_without_csrf_token_is_refused(client, services, people):
    """Another site cannot complete a task in someone's name; the task still waits."""
    policy_id = services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    login(client, "mary")
    url = re.search(r'href="(/tasks/[^"]+)"', client.get("/inbox").get_data(as_text=True)).group(1)
    response = client.post(url, data=html_form_data(answers_for("draft_policy.schema.json")))
    assert response.status_code == 400 and "security token" in page_text(response)
    assert url in client.get("/inbox").get_data(as_text=True)
    assert "completed" not in page_text(client.get(f"/policies/{policy_id}")).split("Timeline")[1]


def test_logout_without_csrf_token_is_refused(client, people):
    """Another site cannot sign people out."""
    login(client, "mary")
    response = client.post("/logout")
    assert response.status_code == 400 and "security token" in page_text(response)
    assert client.get("/inbox").status_code == 200  # still signed in


def test_session_cookie_is_httponly_and_samesite_lax(app, client, people):
    """Script cannot read the session, and other sites' forms do not carry it."""
    cookies = [c for c in login(client, "mary").headers.getlist("Set-Cookie")
               if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert cookies
    for cookie in cookies:
        attributes = {part.strip().split("=")[0].lower(): part.strip().partition("=")[2] for part in cookie.split(";")[1:]}
        assert "httponly" in attributes and attributes.get("samesite") == "Lax", cookie


@pytest.mark.parametrize("intruder", ["sam", "emma"])
def test_wrong_role_on_a_task_page_gets_an_explained_403(app, services, people, intruder):
    """Someone else's task can be neither read nor answered, and the page says why."""
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    b = Browsers(app)
    url = re.search(r'href="(/tasks/[^"]+)"', b["mary"].get("/inbox").get_data(as_text=True)).group(1)
    for response in (b[intruder].get(url), b[intruder].post(url, data={"csrf_token": csrf_token(b[intruder], "/inbox")})):
        assert response.status_code == 403
        shown = page_text(response)
        assert "not yours" in shown and "Traceback" not in shown
    assert url in b["mary"].get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize("url, named", [("/tasks/no-such-task", "no-such-task"), ("/policies/999", "999"),
                                        ("/published/999", "999"), ("/published/999/v2", "999")])
def test_unknown_things_get_a_404_page_that_says_so(client, people, url, named):
    """The message names what was asked for, so the reader knows what is missing."""
    login(client, "mary")
    response = client.get(url)
    assert response.status_code == 404
    shown = page_text(response)
    assert "Not found" in shown and named in shown and "Traceback" not in shown


def test_unknown_address_gets_the_apps_plain_404_message(client):
    """errors.py means to replace the framework's “requested URL was not found on the server” with its own words."""
    shown = page_text(client.get("/no-such-page"))
    assert "There is no page at this address." in shown and "on the server" not in shown


def test_anonymous_inbox_redirects_to_login_and_back(client, people):
    """The inbox needs a sign-in, after which the person lands where they were going."""
    response = client.get("/inbox")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    token = csrf_token(client, response.headers["Location"])
    signed_in = client.post(response.headers["Location"], data={"username": "mary", "password": PASSWORD, "csrf_token": token})
    assert signed_in.headers["Location"] == "/inbox"


def test_published_pages_need_no_sign_in(client, services, people):
    """Published policies are for the public: no account needed."""
    policy_id = to_published(services, people, title="Recording during scans")
    for url in ("/published", f"/published/{policy_id}"):
        response = client.get(url)
        assert response.status_code == 200 and "Recording during scans" in page_text(response)


def test_unexpected_error_page_hides_the_traceback(app):
    """A failure the app did not expect is a calm page: no traceback, no exception text."""
    @app.route("/explode")
    def explode():
        raise RuntimeError("connection string postgres://admin:s3cret@db")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    shown = response.get_data(as_text=True)
    assert "Something went wrong" in page_text(response)
    assert "Traceback" not in shown and "s3cret" not in shown and "RuntimeError" not in shown


def test_wrong_password_is_refused_with_a_message(client, people):
    """A wrong password says so, answers 401 and signs nobody in."""
    response = submit(client, "/login", {"username": "mary", "password": PASSWORD + "!"})
    assert response.status_code == 401 and "not right" in page_text(response)
    assert client.get("/inbox").status_code == 302


def browser_destination(location: str, base: str = "http://localhost/login") -> str:
    """The host a browser goes to for ``location``: it drops tabs and newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned)).netloc


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example",
                                    "/\t/evil.example", "https:evil.example", "\\\\evil.example"])
def test_login_never_redirects_off_site(client, people, target):
    """?next= cannot send a freshly signed-in person to another site (phishing)."""
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"username": "mary", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert browser_destination(response.headers["Location"]) == "localhost", response.headers["Location"]


def test_login_returns_to_the_page_asked_for(client, people):
    """A path on this site is honoured, so the refusals above are not a blanket ignore."""
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": "/policies/"},
                           data={"username": "mary", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/policies/"


def test_pages_forbid_scripts_from_elsewhere_and_framing(client):
    """A strict Content-Security-Policy: even an escaping mistake could not run injected script."""
    response = client.get("/published")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
