"""Our spiffworkflow: extension elements survive the modeler unchanged.

The modeler reads and writes BPMN with bpmn-moddle and the studio's moddle descriptor
(webapp/static/src/spiffworkflow-moddle.json); this runs the same library under Node on the
shipped diagram and checks that what comes back has no differences and still deploys.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests import diagram_variants as variants
from workflows.designer.bundle_files import split_files
from workflows.designer.deploy import checked_bundle
from workflows.designer.version_diff import version_diff

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import { BpmnModdle } from 'bpmn-moddle';
import fs from 'fs';
const spiffworkflow = JSON.parse(fs.readFileSync('webapp/static/src/spiffworkflow-moddle.json', 'utf8'));
const moddle = new BpmnModdle({ spiffworkflow });
const { rootElement, warnings } = await moddle.fromXML(fs.readFileSync(0, 'utf8'));
if (warnings.length) { console.error(warnings.map(w => w.message).join('\\n')); process.exit(2); }
const { xml } = await moddle.toXML(rootElement, { format: true });
process.stdout.write(xml);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the modeler's library")
def test_the_shipped_diagram_round_trips_through_the_modelers_library(tmp_path):
    files = variants.shipped_files()
    name = variants.diagram_name(files)
    script = ROOT / f".roundtrip-{tmp_path.name}.mjs"  # beside node_modules, so the import resolves
    script.write_text(SCRIPT)
    try:
        result = subprocess.run(["node", str(script)], input=files[name], capture_output=True, text=True, cwd=ROOT,
                                timeout=60)
    finally:
        script.unlink()
    assert result.returncode == 0, result.stderr
    again = {**files, name: result.stdout}
    assert result.stdout.count("spiffworkflow:") == files[name].count("spiffworkflow:")
    assert version_diff(files, again).as_dict() == {"added": [], "removed": [], "changed": []}
    checked_bundle(*split_files(again))
