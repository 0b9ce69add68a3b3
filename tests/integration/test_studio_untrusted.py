"""Untrusted uploads: whatever reaches the studio (a draft, an import, the API) is deployed only
through the checked path, and diagram code in a draft runs only in the sandbox, under its limits."""
from __future__ import annotations

import pytest
from lxml import etree

from tests import diagram_variants as variants
from tests.studio import add_designer
from workflows.errors import DiagramError
from workflows.storage.schema import ProcessVersion

XXE = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<d>&x;</d>'


@pytest.fixture
def designer(services, people):
    return add_designer(services)


def versions(services) -> int:
    with services.database.reading() as session:
        return session.query(ProcessVersion).count()


def test_an_entity_in_a_draft_is_refused_at_check_and_deploy(services, designer):
    files = {**variants.shipped_files(), "policy_lifecycle.bpmn": XXE}
    report = services.studio.check(designer, files)
    assert not report.ok and report.errors[0].message == "DOCTYPE and ENTITY declarations are not allowed in diagrams"
    with pytest.raises(DiagramError):
        services.studio.deploy(designer, files, "Sneaky")
    assert versions(services) == 1


def test_a_script_that_escapes_is_refused_before_anything_runs(services, designer):
    files = variants.shipped_files()
    root = variants.tree(files)
    signs, script = variants.warning_signs_code(root)
    script.text = "().__class__.__base__.__subclasses__()"
    report = services.studio.check(designer, variants.with_tree(files, root))
    assert not report.ok and report.paths == []
    kind = etree.QName(script).localname  # the script task's script (a pre-script in older diagrams)
    assert report.errors[0].element == signs.get("id") and f"{kind} cannot be used" in report.errors[0].message


def test_a_draft_whose_code_never_ends_is_stopped_in_the_sandbox_and_reported(services, designer):
    files = variants.shipped_files()
    root = variants.tree(files)
    signs, script = variants.warning_signs_code(root)
    script.text = "n = 0\nwhile True:\n    n = n + 1\n" + script.text
    report = services.studio.check(designer, variants.with_tree(files, root))
    assert not report.ok
    errors = [e for e in report.errors if e.element == signs.get("id")]
    assert errors, report.errors
    with pytest.raises(DiagramError):
        services.studio.deploy(designer, variants.with_tree(files, root), "Loops")
    assert versions(services) == 1
