"""The conformance guard: the shipped diagram and reasonable additions pass; every shortcut is refused,
naming the missing step and a path (element ids in order) that skips it. Variants are built from the
shipped diagram at test time (tests/diagram_variants.py)."""
from __future__ import annotations

import re

import pytest

from tests import diagram_variants as variants
from workflows.designer.bundle_files import split_files
from workflows.designer.deploy import checked_bundle
from workflows.errors import DiagramError


def problems(files: dict) -> list[str]:
    try:
        checked_bundle(*split_files(files))
    except DiagramError as error:
        return [f"{p.element}: {p.message}" for p in error.problems]
    return []


@pytest.fixture(scope="module")
def shipped():
    return variants.shipped_files()


def test_the_shipped_diagram_keeps_the_guidance(shipped):
    assert problems(shipped) == []


def test_local_additions_are_welcome(shipped):
    """An extra approval, a reminder timer on the consultation and an incident event subprocess."""
    assert problems(variants.with_additions(shipped)) == []


def test_every_id_and_data_key_may_be_renamed(shipped):
    assert problems(variants.renamed(shipped)) == []


@pytest.mark.parametrize("step, label", [("risk_assessment", "risk assessment"),
                                         ("staff_consultation", "staff consultation"),
                                         ("patient_consultation", "patient consultation"),
                                         ("employer_signoff", "employer sign-off"),
                                         ("insurer_signoff", "insurer sign-off")])
def test_a_step_removed_is_refused_with_a_path_that_skips_it(shipped, step, label):
    found = problems(variants.without_step(shipped, step))
    missing = [p for p in found if f"the {label} step is missing before publication" in p]
    assert missing, found
    path = re.search(r"the path (.*) skips it", missing[0]).group(1).split(" → ")
    root = variants.tree(variants.without_step(shipped, step))
    assert path[0] in {e.get("id") for e in root.iter("{*}startEvent")}
    assert path[-1] == variants.tasks_of_step(root, "publication")[0].get("id")
    assert not any(variants.prop(variants.by_id(root, element), "lifecycleStep") == step for element in path
                   if variants.by_id(root, element).tag.endswith("userTask"))


@pytest.mark.parametrize("step, label", [("employer_signoff", "employer sign-off"), ("insurer_signoff", "insurer sign-off")])
def test_changes_requested_wired_to_publication_is_refused(shipped, step, label):
    found = problems(variants.changes_to_publication(shipped, step))
    assert any(f"when the {label} requests changes, publication can be reached without" in p for p in found), found


def test_the_insurers_changes_must_pass_the_employer_again(shipped):
    """Changes requested by the insurer that go back to the insurer alone skip the employer."""
    root = variants.tree(shipped)
    insurer = variants.tasks_of_step(root, "insurer_signoff")[0]
    changes = variants.by_id(root, variants.decision_after(root, insurer).get("default"))
    variants.retarget(root, changes, insurer.get("id"))
    found = problems(variants.with_tree(shipped, root))
    assert any("when the insurer sign-off requests changes, publication can be reached without the employer sign-off"
               in p for p in found), found


def test_a_staff_consultation_as_one_task_is_refused(shipped):
    found = problems(variants.single_staff_task(shipped))
    assert any("must be one task per staff member" in p for p in found), found
    assert any("the staff consultation step is missing before publication" in p for p in found), found


def test_no_review_timer_after_publication_is_refused(shipped):
    found = problems(variants.without_review_timer(shipped))
    assert any("review timer" in p and "publish" in p for p in found), found


def test_a_sign_off_in_another_lane_does_not_count(shipped):
    found = problems(variants.moved_to_lane(shipped, "employer_signoff", "manager"))
    assert any("the employer sign-off task must be in the 'employer' lane, not 'manager'" in p for p in found), found
