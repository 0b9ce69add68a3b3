"""Task pages render each diagram's JSON Schema form as an accessible HTML form,
and refuse wrong answers by explaining them next to the field, keeping what was typed.

The expected fields come from the deployed form schemas themselves, so a form
that gains a field is checked without editing this module.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.answers import answers_for
from tests.lifecycle import complete
from tests.web import html_form_data, login, submit
from workflows.wiring import BPMN_DIR

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Completions (person, task) in lifecycle order; a form is reached after the first n of them.
PATH = [("mary", "draft_policy"), ("mary", "assess_risks"), ("sam", "staff_consultation"),
        ("alex", "staff_consultation"), ("kim", "staff_consultation"), ("pat", "patient_consultation"),
        ("eve", "equality_impact"), ("mary", "reassess_risks"), ("mary", "revise_policy"),
        ("gil", "information_governance"), ("emma", "employer_signoff"), ("ian", "insurer_signoff"),
        ("cora", "ratification"), ("mary", "publish_policy")]
FORMS = {  # form -> (who fills it in, how many PATH completions come first)
    "draft_policy.schema.json": ("mary", 0), "risk_assessment.schema.json": ("mary", 1),
    "staff_consultation.schema.json": ("sam", 2), "patient_consultation.schema.json": ("pat", 2),
    "equality_impact.schema.json": ("eve", 2), "risk_reassessment.schema.json": ("mary", 7),
    "revise_policy.schema.json": ("mary", 8), "information_governance.schema.json": ("gil", 9),
    "employer_signoff.schema.json": ("emma", 10), "insurer_signoff.schema.json": ("ian", 11),
    "ratification.schema.json": ("cora", 12), "publish_policy.schema.json": ("mary", 13),
    "review_policy.schema.json": ("mary", len(PATH)),
}


class Node:
    """A minimal DOM element: enough to ask what a screen reader would associate."""

    def __init__(self, tag: str, attrs: dict, parent: "Node | None" = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        return " ".join("".join(c if isinstance(c, str) else f" {c.text()} " for c in self.children).split())

    def all(self, tag: str | None = None, **attrs) -> list["Node"]:
        found = [self] if (tag in (None, self.tag) and all(self.attrs.get(k) == v for k, v in attrs.items())) else []
        return found + [n for c in self.children if isinstance(c, Node) for n in c.all(tag, **attrs)]

    def one(self, tag: str | None = None, **attrs) -> "Node | None":
        found = self.all(tag, **attrs)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: ("" if v is None else v) for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def schema(form: str) -> dict:
    return json.loads((BPMN_DIR / "forms" / form).read_text())


def open_task(app, username: str) -> tuple:
    """Sign ``username`` in with a browser of their own and open the one task their inbox links to."""
    browser = app.test_client()
    login(browser, username)
    links = re.findall(r'href="(/tasks/[^"]+)"', browser.get("/inbox").get_data(as_text=True))
    assert len(links) == 1, f"{username} should have one task, has {links}"
    return browser, links[0]


def reach(services, people, clock, form: str) -> str:
    """Carry a policy along the lifecycle until ``form`` is the next to fill in; return who fills it."""
    who, done = FORMS[form]
    services.commands.start(people["mary"], "Recording during scans", "Ultrasound")
    for person, task in PATH[:done]:
        complete(services, people[person], task)
    if form == "review_policy.schema.json":
        services.commands.fire_due_timers(clock.advance(days=400))
    return who


def is_choice(prop: dict) -> bool:
    """Enums, multi-selects, labelled scores and yes/no questions are picked from options, not typed
    (only a confirmation marked ``"x-widget": "checkbox"`` is a single box)."""
    return (prop.get("type") == "array" or "enum" in prop or (prop.get("type") == "integer" and "x-enumLabels" in prop)
            or (prop.get("type") == "boolean" and prop.get("x-widget") != "checkbox"))


def choice_options(prop: dict) -> list[tuple[str, str | None]]:
    """(value, label a person reads) of each option, as the schema gives them."""
    if prop.get("type") == "boolean":
        return [("true", "Yes"), ("false", "No")]
    labels = prop.get("x-enumLabels", {})
    return [(str(o), labels.get(str(o))) for o in prop.get("items", prop).get("enum") or list(labels)]


def choice_problems(field: Node, name: str, prop: dict) -> tuple[list[str], str, str]:
    """Options as radios (one answer) or checkboxes (several) in a fieldset; (problems, caption, described-by)."""
    fieldset = field.one("fieldset")
    legend = fieldset.one("legend") if fieldset else None
    caption, problems = (legend.text() if legend else ""), []
    if not caption.startswith(prop.get("title", name)):
        problems.append(f"{name}: choices are not in a <fieldset> whose <legend> is “{prop.get('title', name)}”")
    kind = "checkbox" if prop.get("type") == "array" else "radio"
    inputs = field.all("input", name=name)
    options = dict(choice_options(prop))
    if [(i.attrs.get("type"), i.attrs.get("value")) for i in inputs] != [(kind, o) for o in options]:
        problems.append(f"{name}: expected a {kind} for each of {list(options)}")
    for control in inputs:
        label = field.one("label", **{"for": control.attrs.get("id", "?")})
        wanted = options.get(control.attrs.get("value"))
        if label is None or (wanted and label.text() != wanted):
            problems.append(f"{name}: option {control.attrs.get('value')} has no <label> “{wanted}”")
    return problems, caption, fieldset.attrs.get("aria-describedby", "") if fieldset else ""


def control_problems(page: Node, field: Node, name: str, prop: dict) -> tuple[list[str], str, str]:
    """One control with a <label for> naming it, of the input type its schema type calls for."""
    label = field.one("label")
    control = page.one(id=label.attrs.get("for")) if label else None
    if control is None or control.tag not in ("input", "textarea", "select") or control.attrs.get("name") != name:
        return [f"{name}: no <label for> pointing at a control named {name}"], "", ""
    caption, problems = label.text(), []
    if not caption.startswith(prop.get("title", name)):
        problems.append(f"{name}: label reads “{caption}”, not “{prop.get('title', name)}”")
    wanted = ("checkbox" if prop.get("type") == "boolean" else "date" if prop.get("format") == "date"
              else "number" if prop.get("type") in ("integer", "number") else None)
    if wanted and (control.tag, control.attrs.get("type")) != ("input", wanted):
        problems.append(f"{name}: expected <input type={wanted}>, got <{control.tag} type={control.attrs.get('type')}>")
    return problems, caption, control.attrs.get("aria-describedby", "")


def field_problems(page: Node, name: str, prop: dict, required: bool) -> list[str]:
    """What is wrong with how one schema property is shown (an empty list when nothing is)."""
    field = page.one(id=f"field-{name}")
    if field is None:
        return [f"{name}: no field on the page"]
    problems, caption, described = (choice_problems(field, name, prop) if is_choice(prop)
                                    else control_problems(page, field, name, prop))
    if caption and ("(required)" in caption) != required:
        problems.append(f"{name}: required mark {'missing' if required else 'shown on an optional field'}")
    help_text = page.one(id=f"{name}-help")
    if prop.get("description") and (help_text is None or help_text.text() != " ".join(prop["description"].split())
                                    or f"{name}-help" not in described.split()):
        problems.append(f"{name}: help text missing or not tied to the control by aria-describedby")
    return problems


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_property_is_a_labelled_control_with_required_mark_and_help(app, services, people, clock, form):
    """Labels, legends, required marks, help and widget types follow each property of the schema."""
    spec = schema(form)
    browser, url = open_task(app, reach(services, people, clock, form))
    page = dom(browser.get(url).get_data(as_text=True))
    form_element = page.one("form", **{"class": "form"})
    assert form_element is not None and form_element.one("h2").text() == spec["title"]

    problems = [p for name, prop in spec["properties"].items()
                for p in field_problems(form_element, name, prop, name in spec.get("required", []))]
    assert not problems, "\n".join(problems)


def test_changes_requested_without_comments_is_explained_and_keeps_answers(app, services, people, clock):
    """422, the message next to Comments and in a summary linking to it, choices still made, nothing saved."""
    browser, url = open_task(app, reach(services, people, clock, "employer_signoff.schema.json"))
    response = submit(browser, url, {"decision": "changes_requested", "risk_strategy_checked": "true"})

    assert response.status_code == 422
    page = dom(response.get_data(as_text=True))
    message = page.one(id="field-comments").one("p", **{"class": "field-error"})
    assert message is not None and "Comments" in message.text()
    assert "comments-error" in page.one(id="comments").attrs.get("aria-describedby", "").split()
    summary = page.one("div", **{"class": "error-summary"})
    assert summary is not None and summary.attrs.get("role") == "alert"
    link = summary.one("a", href="#field-comments")
    assert link is not None and link.text() in message.text()
    checked = {i.attrs["value"] for i in page.all("input", name="decision") if "checked" in i.attrs}
    assert checked == {"changes_requested"}
    assert "checked" in page.one(id="risk_strategy_checked").attrs

    assert nothing_saved(browser, url, "Employer sign-off")


def test_non_number_in_an_integer_field_names_the_field_and_keeps_the_text(app, services, people, clock):
    """A word in “Review interval (months)” is refused with that field named; everything typed stays."""
    spec = schema("draft_policy.schema.json")
    title = spec["properties"]["review_interval_months"]["title"]
    typed = answers_for("draft_policy.schema.json", review_interval_months="twelve", purpose="My own words.")
    browser, url = open_task(app, reach(services, people, clock, "draft_policy.schema.json"))
    response = submit(browser, url, html_form_data(typed))

    assert response.status_code == 422
    page = dom(response.get_data(as_text=True))
    message = page.one(id="field-review_interval_months").one("p", **{"class": "field-error"})
    assert message is not None and title in message.text()
    assert page.one(id="review_interval_months").attrs.get("value") == "twelve"
    assert page.one(id="purpose").text() == typed["purpose"]
    assert {i.attrs["value"] for i in page.all("input", name="modalities") if "checked" in i.attrs} == set(typed["modalities"])

    assert nothing_saved(browser, url, "Draft the policy")


def nothing_saved(browser, task_url: str, step: str) -> bool:
    """The task still waits in the inbox and the policy's timeline does not say “step” was completed."""
    policy_url = re.search(r'href="(/policies/\d+)"', browser.get(task_url).get_data(as_text=True)).group(1)
    timeline = browser.get(policy_url).get_data(as_text=True).split('class="timeline"')[1]
    return task_url in browser.get("/inbox").get_data(as_text=True) and f"completed “{step}”" not in timeline
