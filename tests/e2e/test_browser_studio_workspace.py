"""The modeler as a designer works in it: a canvas that fills the window, panels they resize, a task
dragged from the palette onto a flow at the opening zoom, appended tasks placed clear of their
neighbours, a form change compared field by field, and a Camunda 8 diagram with its form-js form
imported and made runnable through its to-dos.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import diagram_variants as variants
from tests.studio import add_designer, deploy
from workflows.designer.bundle_files import split_files
from workflows.engine.specs import load_bundle

pytestmark = pytest.mark.e2e
IMPORTS = Path(__file__).parent.parent / "imports"

# The screen point at the middle of the start event's outgoing flow, as the designer sees it.
_FLOW_MIDDLE = """() => {
  const modeler = window.policyflowStudio.modeler;
  const canvas = modeler.get('canvas'), registry = modeler.get('elementRegistry');
  const start = registry.filter((e) => e.type === 'bpmn:StartEvent' && !e.parent.type.includes('SubProcess'))[0];
  const flow = start.outgoing[0];
  const [a, b] = flow.waypoints.slice(-2);
  const box = canvas.viewbox(), rect = canvas.getContainer().getBoundingClientRect();
  const x = (a.x + b.x) / 2, y = (a.y + b.y) / 2;
  return { id: flow.id, target: flow.target.id, scale: box.scale,
           x: rect.left + (x - box.x) * box.scale, y: rect.top + (y - box.y) * box.scale };
}"""

_OVERLAPS = """(id) => {
  const registry = window.policyflowStudio.modeler.get('elementRegistry');
  const shape = registry.get(id);
  const apart = (a, b) => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
  return registry.filter((e) => e !== shape && !e.waypoints && e.type !== 'label' && e.parent === shape.parent
    && !['bpmn:Participant', 'bpmn:Lane', 'bpmn:Process'].includes(e.type)).filter((e) => !apart(shape, e)).map((e) => e.id);
}"""


def open_new_draft(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "dora")
    page.goto("/designer/")
    page.get_by_role("button", name="New version from this one (version 1)").click()
    expect(page.locator("[data-studio=modeler]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)


def test_the_canvas_fills_the_window_with_resizable_panels_a_minimap_and_shortcuts(live_server, browser_page, ui):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    add_designer(live_server.services)
    open_new_draft(page, ui)
    canvas = page.locator("[data-canvas]")
    # The page opens on the workspace: the whole canvas is in the window, not below the page's heading.
    expect(canvas).to_be_in_viewport(ratio=0.98)
    height = page.evaluate("window.innerHeight")
    assert canvas.bounding_box()["height"] >= 0.85 * height
    expect(page.locator(".djs-minimap")).to_be_visible()
    zoom = page.evaluate("window.policyflowStudio.modeler.get('canvas').viewbox().scale")
    assert zoom >= 0.7  # task labels stay readable
    # The properties panel is made narrower by dragging its edge: the canvas grows by as much.
    before = canvas.bounding_box()["width"]
    edge = page.get_by_role("separator", name="Width of the properties panel").bounding_box()
    page.mouse.move(edge["x"] + edge["width"] / 2, edge["y"] + 100)
    page.mouse.down()
    page.mouse.move(edge["x"] + 120, edge["y"] + 100, steps=6)
    page.mouse.up()
    assert canvas.bounding_box()["width"] >= before + 100
    left = page.get_by_role("separator", name="Width of the files, problems and to-dos panel")
    panel_before = page.locator("[data-panel=left]").bounding_box()["width"]
    left.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-panel=left]").bounding_box()["width"] >= panel_before + 30
    page.get_by_role("button", name="Keyboard shortcuts").click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_contain_text("Undo")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_a_task_dragged_onto_a_flow_at_the_opening_zoom_splits_it_and_appended_tasks_keep_clear(
        live_server, browser_page, ui):
    page = browser_page
    add_designer(live_server.services)
    open_new_draft(page, ui)
    flow = page.evaluate(_FLOW_MIDDLE)
    entry = page.locator(".djs-palette .entry.bpmn-icon-task").bounding_box()
    page.mouse.move(entry["x"] + entry["width"] / 2, entry["y"] + entry["height"] / 2)
    page.mouse.down()
    page.mouse.move(flow["x"] - 40, flow["y"], steps=8)
    page.mouse.move(flow["x"], flow["y"], steps=4)
    page.mouse.up()
    created = page.evaluate("""(target) => {
      const registry = window.policyflowStudio.modeler.get('elementRegistry');
      const task = registry.filter((e) => e.type === 'bpmn:Task')[0];
      return task && { id: task.id, into: task.incoming.length, out: task.outgoing.map((f) => f.target.id) };
    }""", flow["target"])
    assert created and created["into"] == 1 and created["out"] == [flow["target"]], created
    page.keyboard.type("Check the equipment")  # the new task's name, typed in place
    page.keyboard.press("Enter")
    # Appending from the context pad places the new task beside the selected one, clear of the others.
    page.locator('.djs-context-pad .entry[data-action="append.append-task"]').click()
    appended = page.evaluate("window.policyflowStudio.modeler.get('selection').get()[0].id")
    assert appended != created["id"]
    assert page.evaluate(_OVERLAPS, appended) == []
    expect(page.locator("[data-save-status]")).to_have_text("saved", timeout=10_000)


def test_compare_shows_a_form_change_field_by_field_without_colouring_the_pools(live_server, browser_page, ui):
    page = browser_page
    designer = add_designer(live_server.services)
    files = variants.shipped_files()
    name = next(n for n in files if n.endswith("employer_signoff.schema.json"))
    form = json.loads(files[name])
    form["properties"]["comments"]["title"] = "Your comments to the manager"
    form["properties"]["second_opinion"] = {"type": "boolean", "title": "Second opinion sought?"}
    deploy(live_server.services, designer, {**files, name: json.dumps(form)}, "Clearer sign-off form")
    page.goto("/published")
    ui.sign_in(page, "dora")
    page.goto("/designer/processes/policy_lifecycle/compare?from=1&to=2")
    expect(page.locator("[data-studio=diff]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)
    listed = page.locator(".diff-list").first
    expect(listed).to_contain_text("field 'second_opinion' added (yes/no, 'Second opinion sought?')")
    expect(listed).to_contain_text("field 'comments' changed (label")
    expect(page.locator("g.djs-element.pf-changed")).to_have_count(1)  # the sign-off task, not its pool or lane
    expect(page.locator("g.djs-shape.pf-changed[data-element-id$='_pool'], g.pf-changed.djs-shape"
                        "[data-element-id^='Lane'], g.pf-changed[data-element-id^='lane']")).to_have_count(0)


def test_a_camunda_8_diagram_with_a_form_js_form_is_imported_and_made_runnable_through_its_to_dos(
        live_server, browser_page, ui):
    page = browser_page
    add_designer(live_server.services)
    page.goto("/published")
    ui.sign_in(page, "dora")
    page.goto("/designer/import")
    page.get_by_label("Files (.bpmn, and any .dmn and forms)").set_input_files(
        [str(IMPORTS / "camunda8.bpmn"), str(IMPORTS / "review.form")])
    page.get_by_role("button", name="Import as a draft").click()
    expect(page.locator("[data-studio=modeler]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)
    panel = page.locator("[data-problems-panel]")
    expect(panel).to_contain_text("Its Camunda form 'review-form' was converted")
    expect(panel).to_contain_text("In Python it reads: approved == True")
    for _ in range(12):
        fixes = panel.locator("form[data-todo-fix]")
        if fixes.count() == 0:
            break
        first = fixes.first
        if first.locator("select").count() and first.locator("input[name=fix][value=task_type]").count():
            first.locator("select").select_option("scriptTask")
        first.get_by_role("button").click()
        expect(page.locator("[data-studio=modeler]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)
        expect(panel).to_be_in_viewport()  # back beside the diagram, where the list is, after each fix
    expect(panel.locator("form[data-todo-fix]")).to_have_count(0)
    draft_id = int(page.url.split("/drafts/")[1].split("#")[0].split("/")[0])
    load_bundle(*split_files(live_server.services.studio.drafts.get(draft_id).files))  # the loader's checks pass
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("[data-check-summary]")).to_contain_text("to put right before deploying", timeout=30_000)
    expect(page.locator("[data-check-summary]")).to_be_in_viewport()  # the answer is shown where it is
    problems = page.locator("[data-check-problems]")
    expect(problems).not_to_contain_text("user task")
    expect(problems).not_to_contain_text("not a role")
