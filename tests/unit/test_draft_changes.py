"""What changed between two rounds of the draft, as reviewers read it: only what a person changed."""
from __future__ import annotations

import json

from tests.answers import answers_for
from workflows.policies.draft_changes import compare
from workflows.wiring import BPMN_DIR

FORM = json.loads((BPMN_DIR / "forms" / "revise_policy.schema.json").read_text())


def test_options_ticked_in_another_order_and_other_line_endings_are_no_change():
    """The page sends a multi-select in the form's order and text with CRLF; the API may not."""
    before = answers_for("revise_policy.schema.json", modalities=["ultrasound", "obstetric_ultrasound"],
                         summary="You may photograph the screen.\nAsk first.")
    after = {**before, "modalities": ["obstetric_ultrasound", "ultrasound"],
             "summary": "You may photograph the screen.\r\nAsk first."}
    assert compare(FORM, before, after) == []


def test_a_real_change_is_still_listed():
    before = answers_for("revise_policy.schema.json", modalities=["ultrasound"])
    after = {**before, "modalities": ["ultrasound", "ct"], "summary": before["summary"] + " Ask staff first."}
    changed = [(change.field, change.change) for change in compare(FORM, before, after)]
    assert sorted(changed) == [("modalities", "changed"), ("summary", "changed")]
