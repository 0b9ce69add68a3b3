"""Every path of a policy's life, driven through the HTML pages alone.

Each person uses a browser of their own (a test client, signed in once) and acts
only on what their inbox links to, as they would in the department: this is the
proof that the pages, not just the services, carry a policy from start to
publication, and back to revision whenever a sign-off asks for changes.
"""
from __future__ import annotations

import re

import pytest

from tests.answers import answers_for
from tests.html import Page, links, visible_text
from tests.web import html_form_data, login, submit

FORMS = {  # the step title a person sees -> the form whose valid answers they give
    "Draft the policy": "draft_policy.schema.json",
    "Assess the risks": "risk_assessment.schema.json",
    "Give your view as staff": "staff_consultation.schema.json",
    "Give the patient liaison view": "patient_consultation.schema.json",
    "Assess the equality impact": "equality_impact.schema.json",
    "Reassess the risks": "risk_reassessment.schema.json",
    "Consolidate and revise": "revise_policy.schema.json",
    "Information governance review": "information_governance.schema.json",
    "Employer sign-off": "employer_signoff.schema.json",
    "Insurer sign-off": "insurer_signoff.schema.json",
    "Ratify the policy": "ratification.schema.json",
    "Publish the policy": "publish_policy.schema.json",
}
STAFF = ("sam", "alex", "kim")
REVISE, EMPLOYER, INSURER, PUBLISH = "Consolidate and revise", "Employer sign-off", "Insurer sign-off", "Publish the policy"
EQUALITY, REASSESS, GOVERNANCE, RATIFY = ("Assess the equality impact", "Reassess the risks",
                                          "Information governance review", "Ratify the policy")
ACKNOWLEDGE = "Read and acknowledge the policy"


class Browser:
    """One person's own signed-in browser."""

    def __init__(self, app, username: str):
        self.username, self.client = username, app.test_client()
        login(self.client, username)

    def get(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, f"{self.username} GET {url}: {response.status_code}"
        return response.get_data(as_text=True)

    def inbox(self, policy_id: int) -> list[tuple[str, str]]:
        """(task page URL, step title) of each inbox row for the policy; each row links its policy next."""
        found = links(self.get("/inbox"))
        return [(href, title) for (href, title), (next_href, _) in zip(found, found[1:], strict=False)
                if href.startswith("/tasks/") and next_href == f"/policies/{policy_id}"]

    def do(self, step: str, policy_id: int, **changes) -> str:
        """Open ``step`` from the inbox, submit valid answers (with ``changes``); return the page landed on."""
        urls = [url for url, title in self.inbox(policy_id) if title == step]
        assert len(urls) == 1, f"{self.username} should have one “{step}” task; inbox: {self.inbox(policy_id)}"
        assert f"<h1>{step}</h1>" in self.get(urls[0])
        response = submit(self.client, urls[0], html_form_data(answers_for(FORMS[step], **changes)))
        assert response.status_code == 302, f"{self.username} could not submit “{step}”: {visible_text(response.get_data(as_text=True))}"
        assert response.headers["Location"] == f"/policies/{policy_id}"
        landed = self.get(response.headers["Location"])
        assert f"“{step}” is done" in visible_text(landed)
        return landed


@pytest.fixture
def browsers(app, people) -> dict[str, Browser]:
    return {name: Browser(app, name) for name in people}


def waiting(browsers, policy_id: int) -> dict[str, list[str]]:
    """Who sees which steps of the policy in their inbox right now (people with none left out)."""
    found = {name: sorted(title for _url, title in b.inbox(policy_id)) for name, b in browsers.items()}
    return {name: steps for name, steps in found.items() if steps}


def start(manager: Browser, title: str) -> int:
    """Start a policy from /policies/new for the one department the form offers the manager."""
    departments = re.findall(r'<option value="([^"]+)"', manager.get("/policies/new"))
    assert len(departments) == 1, departments
    response = submit(manager.client, "/policies/new", {"title": title, "department": departments[0]})
    assert response.status_code == 302, visible_text(response.get_data(as_text=True))
    return int(re.fullmatch(r"/policies/(\d+)", response.headers["Location"]).group(1))


def consult(browsers, policy_id: int, staff_changes: dict | None = None) -> None:
    """Draft and assess, hear every member of staff and the patient liaison while the equality lead assesses
    the draft, then reassess the risks, revise, and have information governance approve."""
    browsers["mary"].do("Draft the policy", policy_id)
    assert waiting(browsers, policy_id) == {"mary": ["Assess the risks"]}
    browsers["mary"].do("Assess the risks", policy_id)
    assert waiting(browsers, policy_id) == {**{n: ["Give your view as staff"] for n in STAFF},
                                            "pat": ["Give the patient liaison view"], "eve": [EQUALITY]}
    for name in STAFF:
        browsers[name].do("Give your view as staff", policy_id, **(staff_changes or {}).get(name, {}))
    browsers["pat"].do("Give the patient liaison view", policy_id)
    browsers["eve"].do(EQUALITY, policy_id)
    assert waiting(browsers, policy_id) == {"mary": [REASSESS]}
    browsers["mary"].do(REASSESS, policy_id)
    assert waiting(browsers, policy_id) == {"mary": [REVISE]}
    browsers["mary"].do(REVISE, policy_id)
    assert waiting(browsers, policy_id) == {"gil": [GOVERNANCE]}
    browsers["gil"].do(GOVERNANCE, policy_id)


def sign_off_and_publish(browsers, policy_id: int) -> None:
    """Both sign-offs approve in turn, the committee ratifies, then the manager publishes."""
    assert waiting(browsers, policy_id) == {"emma": [EMPLOYER]}
    browsers["emma"].do(EMPLOYER, policy_id)
    assert waiting(browsers, policy_id) == {"ian": [INSURER]}
    browsers["ian"].do(INSURER, policy_id)
    assert waiting(browsers, policy_id) == {"cora": [RATIFY]}
    browsers["cora"].do(RATIFY, policy_id)
    assert waiting(browsers, policy_id) == {"mary": [PUBLISH]}
    browsers["mary"].do(PUBLISH, policy_id)
    # Each member of staff is then asked to read and acknowledge what was published.
    assert waiting(browsers, policy_id) == {name: [ACKNOWLEDGE] for name in STAFF}


def request_changes(browsers, policy_id: int, signer: str, step: str, comments: str) -> None:
    """``signer`` sends the policy back; the manager sees the comments on the revision page and revises;
    information governance reviews the revision again."""
    browsers[signer].do(step, policy_id, decision="changes_requested", comments=comments)
    assert waiting(browsers, policy_id) == {"mary": [REVISE]}
    (url, _title), = browsers["mary"].inbox(policy_id)
    assert comments in visible_text(browsers["mary"].get(url))
    browsers["mary"].do(REVISE, policy_id)
    assert waiting(browsers, policy_id) == {"gil": [GOVERNANCE]}
    browsers["gil"].do(GOVERNANCE, policy_id)


def test_approved_policy_is_published_and_listed(app, browsers):
    """Start → consultations → reassessment, revision and IG → both approvals → ratification → publish: the policy says Published and /published lists it."""
    title = "Recording during obstetric scans"
    policy_id = start(browsers["mary"], title)
    assert waiting(browsers, policy_id) == {"mary": ["Draft the policy"]}
    consult(browsers, policy_id)
    sign_off_and_publish(browsers, policy_id)

    assert "Published" in visible_text(browsers["mary"].get(f"/policies/{policy_id}"))
    listing = Page(app.test_client().get("/published").get_data(as_text=True))  # read by the public
    assert (f"/published/{policy_id}", title) in listing.links


def test_employer_changes_send_policy_back_through_both_signoffs(browsers):
    """An employer's request for changes returns to revision, then to the employer and the insurer again."""
    policy_id = start(browsers["mary"], "Recording during scans")
    consult(browsers, policy_id)
    request_changes(browsers, policy_id, "emma", EMPLOYER, "Name who staff escalate to.")
    sign_off_and_publish(browsers, policy_id)


def test_insurer_changes_send_policy_back_through_both_signoffs(browsers):
    """An insurer's request for changes returns to revision, then to the employer and the insurer again."""
    policy_id = start(browsers["mary"], "Recording during scans")
    consult(browsers, policy_id)
    browsers["emma"].do(EMPLOYER, policy_id)
    request_changes(browsers, policy_id, "ian", INSURER, "State that recordings are not diagnostic.")
    sign_off_and_publish(browsers, policy_id)


def test_public_page_neither_counts_a_small_team_nor_names_anyone(app, browsers):
    """Each member of staff answers for themself; with fewer than five, the public reads that staff were
    asked, never how many or who (one "no" among three could point at a person)."""
    not_willing = {"alex": {"willing_to_be_filmed": "not_willing", "comments": "Please do not film me."}}
    policy_id = start(browsers["mary"], "Recording during scans")
    consult(browsers, policy_id, not_willing)
    sign_off_and_publish(browsers, policy_id)

    reader = app.test_client()  # the public, not signed in
    page = visible_text(reader.get(f"/published/{policy_id}").get_data(as_text=True))
    assert "Every member of staff was asked individually" in page, page
    assert not re.search(rf"\b{len(STAFF)} members of staff|asked not to be filmed", page), page
    for url in ("/published", f"/published/{policy_id}"):
        shown = visible_text(reader.get(url).get_data(as_text=True))
        named = [name for name in STAFF if re.search(rf"\b{name}\b", shown, re.IGNORECASE)]
        assert not named, f"{url} names staff {named}"
