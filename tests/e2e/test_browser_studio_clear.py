"""Nothing drawn over the studio's diagram covers its elements: the diagram opens (and is fitted) clear of
the palette, with the minimap and the view buttons beside it, not over it; the context pad of a selected
element covers none of its neighbours, so a click meant for a neighbour selects it instead of appending a
stray event; a menu opened from the pad leaves the element it changes in view; a problem of the whole
process is marked on its pool.

Elements are found by what they are and where they are drawn, never by id.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.studio import add_designer

pytestmark = pytest.mark.e2e

# Every flow node and label drawn on the open diagram, with its box on the screen (those the canvas shows).
_SHAPES = """() => {
  const modeler = window.policyflowStudio.modeler;
  const canvas = modeler.get('canvas'), root = canvas.getRootElement();
  const area = canvas.getContainer().getBoundingClientRect();
  const skip = ['bpmn:Participant', 'bpmn:Lane', 'bpmn:Group', 'bpmn:TextAnnotation'];
  return modeler.get('elementRegistry').filter((e) => !e.waypoints && e !== root && !skip.includes(e.type)
      && canvas.findRoot(e) === root)
    .map((e) => {
      const box = canvas.getGraphics(e).querySelector('.djs-visual').getBoundingClientRect();
      return { id: e.id, type: e.type, label: e.type === 'label', name: e.businessObject.name || '',
               x: box.left, y: box.top, width: box.width, height: box.height };
    })
    .filter((s) => s.width > 0 && s.x >= area.left && s.y >= area.top && s.x + s.width <= area.right
      && s.y + s.height <= area.bottom);
}"""

# What a person pointing at each of a shape's points would hit: the id of the diagram element there, or
# the control that is in the way ("pad", "palette", "minimap", "other").
_UNDER = """(points) => points.map(([x, y]) => {
  const hit = document.elementFromPoint(x, y);
  if (!hit) return 'nothing';
  if (hit.closest('.djs-context-pad')) return 'pad';
  if (hit.closest('.djs-palette')) return 'palette';
  if (hit.closest('.djs-minimap')) return 'minimap';
  const element = hit.closest('.djs-element');
  return element ? element.dataset.elementId : 'other';
})"""


def points(shape: dict, inset: float = 0.2) -> list[tuple[float, float]]:
    """The shape's middle and four points a little inside its corners."""
    x, y, w, h = shape["x"], shape["y"], shape["width"], shape["height"]
    return [(x + w / 2, y + h / 2)] + [(x + w * a, y + h * b) for a in (inset, 1 - inset) for b in (inset, 1 - inset)]


def in_the_way(page: Page, shape: dict) -> list[str]:
    """The controls (or anything not of the diagram) over the shape's middle or its inner corners."""
    return [hit for hit in page.evaluate(_UNDER, points(shape)) if hit in ("pad", "palette", "minimap", "other",
                                                                           "nothing")]


def open_new_draft(page: Page, ui) -> None:
    page.goto("/published")
    ui.sign_in(page, "dora")
    page.goto("/designer/")
    page.get_by_role("button", name="New version from this one (version 1)").click()
    expect(page.locator("[data-studio=modeler]")).to_have_attribute("data-studio-ready", "true", timeout=20_000)
    page.locator("[data-canvas]").scroll_into_view_if_needed()


def assert_nothing_covers(page: Page, shapes: list[dict]) -> None:
    covered = {shape["id"]: in_the_way(page, shape) for shape in shapes if not shape["label"]}
    assert not {k: v for k, v in covered.items() if v}, covered


@pytest.mark.parametrize("size", [{"width": 1280, "height": 720}, {"width": 1600, "height": 1000}],
                         ids=["1280x720", "1600x1000"])
def test_the_diagram_opens_and_fits_clear_of_the_palette_with_the_minimap_beside_it(live_server, browser_page,
                                                                                     ui, size):
    page = browser_page
    page.set_viewport_size(size)
    add_designer(live_server.services)
    open_new_draft(page, ui)
    shapes = page.evaluate(_SHAPES)
    assert len([s for s in shapes if not s["label"]]) >= 5, shapes  # the opening view shows the diagram
    assert_nothing_covers(page, shapes)

    overview = page.get_by_role("region", name="Overview")
    expect(overview.locator(".djs-minimap")).to_be_visible()
    canvas = page.locator("[data-canvas]").bounding_box()
    minimap = overview.locator(".djs-minimap").bounding_box()
    assert minimap["x"] + minimap["width"] <= canvas["x"], (minimap, canvas)  # beside the diagram, not over it

    overview.get_by_role("button", name="Fit the diagram").click()
    whole = page.evaluate(_SHAPES)
    total = page.evaluate("""() => { const m = window.policyflowStudio.modeler, c = m.get('canvas');
      return m.get('elementRegistry').filter((e) => !e.waypoints && e.type !== 'label' && e !== c.getRootElement()
        && c.findRoot(e) === c.getRootElement() && !['bpmn:Participant', 'bpmn:Lane'].includes(e.type)).length; }""")
    assert len([s for s in whole if not s["label"]]) == total  # every element is in view, none under a control
    assert_nothing_covers(page, whole)


def test_the_context_pad_covers_no_neighbour_and_a_click_on_one_selects_it(live_server, browser_page, ui):
    page = browser_page
    add_designer(live_server.services)
    open_new_draft(page, ui)
    shapes = page.evaluate(_SHAPES)
    nodes = [s for s in shapes if not s["label"] and s["type"] != "bpmn:BoundaryEvent"]
    for shape in nodes:
        page.mouse.click(shape["x"] + shape["width"] / 2, shape["y"] + shape["height"] / 2)
        expect(page.locator(f'[data-element-id="{shape["id"]}"].selected')).to_have_count(1)
        expect(page.locator(".djs-context-pad.open")).to_be_visible()
        pad = page.locator(".djs-context-pad.open").bounding_box()
        near = [s for s in shapes if s["id"] != shape["id"] and s["id"] != f'{shape["id"]}_label'
                and s["x"] < pad["x"] + pad["width"] + 40 and pad["x"] - 40 < s["x"] + s["width"]
                and s["y"] < pad["y"] + pad["height"] + 40 and pad["y"] - 40 < s["y"] + s["height"]]
        covered = {s["id"]: hits for s in near if (hits := [h for h in page.evaluate(_UNDER, points(s)) if h == "pad"])}
        assert not covered, (shape["id"], pad, covered)

    # The densest pair side by side in one row: select the left one, click the right one where the pad
    # used to be (just inside its top left corner). It is selected; nothing was added.
    pairs = [(a, b) for a in nodes for b in nodes if a is not b and b["name"]
             and abs((a["y"] + a["height"] / 2) - (b["y"] + b["height"] / 2)) < 5 and b["x"] > a["x"] + a["width"]]
    left, right = min(pairs, key=lambda pair: pair[1]["x"] - pair[0]["x"] - pair[0]["width"])
    count = page.locator("g.djs-shape").count()
    page.mouse.click(left["x"] + left["width"] / 2, left["y"] + left["height"] / 2)
    expect(page.locator(".djs-context-pad.open")).to_be_visible()
    page.mouse.click(right["x"] + 10, right["y"] + 10)
    expect(page.locator(f'[data-element-id="{right["id"]}"].selected')).to_have_count(1)
    expect(page.locator(".bio-properties-panel-header-label")).to_have_text(right["name"])
    assert page.locator("g.djs-shape").count() == count
    expect(page.locator("[data-save-status]")).to_have_text("saved")


def test_a_menu_from_the_pad_leaves_its_element_in_view_and_a_click_elsewhere_selects_that(
        live_server, browser_page, ui):
    page = browser_page
    add_designer(live_server.services)
    open_new_draft(page, ui)
    shapes = page.evaluate(_SHAPES)
    tasks = [s for s in shapes if s["type"] == "bpmn:UserTask"]
    for task in tasks:
        page.mouse.click(task["x"] + task["width"] / 2, task["y"] + task["height"] / 2)
        page.locator('.djs-context-pad.open .entry[data-action="replace"]').click()
        expect(page.locator(".djs-popup")).to_be_visible()
        assert not [hit for hit in page.evaluate(_UNDER, points(task)) if hit != task["id"]], task
        page.keyboard.press("Escape")
        expect(page.locator(".djs-popup")).to_have_count(0)
    # With the menu open, a click on another element closes it and selects that element.
    first, other = tasks[0], tasks[-1]
    page.mouse.click(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.locator('.djs-context-pad.open .entry[data-action="replace"]').click()
    expect(page.locator(".djs-popup")).to_be_visible()
    page.mouse.click(other["x"] + other["width"] / 2, other["y"] + other["height"] / 2)
    expect(page.locator(".djs-popup")).to_have_count(0)
    expect(page.locator(f'[data-element-id="{other["id"]}"].selected')).to_have_count(1)


def test_a_problem_of_the_whole_process_is_marked_on_its_pool(live_server, browser_page, ui):
    page = browser_page
    add_designer(live_server.services)
    open_new_draft(page, ui)
    start = next(s for s in page.evaluate(_SHAPES) if s["type"] == "bpmn:StartEvent")
    page.mouse.click(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    expect(page.locator(f'[data-element-id="{start["id"]}"].selected')).to_have_count(1)
    page.keyboard.press("Delete")
    expect(page.locator("[data-save-status]")).to_have_text("saved", timeout=10_000)
    page.get_by_role("button", name="Check", exact=True).click()
    problem = page.locator("[data-check-problems] button", has_text="No start event found")
    expect(problem).to_be_visible(timeout=30_000)
    pool = page.locator("g.djs-shape.pf-problem")
    expect(pool).to_have_count(1)
    pool_id = pool.get_attribute("data-element-id")
    assert page.evaluate("(id) => window.policyflowStudio.modeler.get('elementRegistry').get(id).type",
                         pool_id) == "bpmn:Participant"
    problem.click()
    expect(page.locator(f'[data-element-id="{pool_id}"].selected')).to_have_count(1)
