"""The demo data the README's run command adds is enough to carry a policy to publication."""
from __future__ import annotations

from tests.lifecycle import complete
from webapp.demo import DEMO_DEPARTMENT, DEMO_PASSWORD, DEMO_PEOPLE, add_demo_data


def test_every_demo_account_signs_in_with_the_printed_password(services):
    lines = add_demo_data(services)
    for username, roles, _department in DEMO_PEOPLE:
        assert any(line.split()[:2] == [username, DEMO_PASSWORD] for line in lines), username
        assert services.accounts.authenticate(username, DEMO_PASSWORD).roles == frozenset(roles)


def test_demo_accounts_carry_a_policy_to_its_public_page(services):
    add_demo_data(services)
    who = {name: services.accounts.authenticate(name, DEMO_PASSWORD) for name, _r, _d in DEMO_PEOPLE}
    policy_id = services.commands.start(who["manager"], "Recording during ultrasound", DEMO_DEPARTMENT)
    complete(services, who["manager"], "draft_policy")
    complete(services, who["manager"], "assess_risks")
    for staff in ("sonographer1", "sonographer2", "radiographer1"):
        complete(services, who[staff], "staff_consultation")
    complete(services, who["liaison"], "patient_consultation")
    complete(services, who["manager"], "revise_policy")
    complete(services, who["employer"], "employer_signoff")
    complete(services, who["insurer"], "insurer_signoff")
    complete(services, who["manager"], "publish_policy")
    assert services.queries.policy(who["manager"], policy_id)["status"] == "published"


def test_adding_the_demo_data_twice_changes_nothing(services):
    add_demo_data(services)
    again = add_demo_data(services)
    assert sum("already exists" in line for line in again) == len(DEMO_PEOPLE)
