/*
 * The context pad and its menus placed clear of the diagram's elements.
 *
 * diagram-js puts the context pad to the right of the selected element; in a full diagram at a readable
 * zoom that covers the next element, and a click meant for that element lands on one of the pad's entries
 * (appending a stray event). This pad tries, in turn, its column to the right, one row above, one row
 * below, a block of shorter rows above or below, and then the left side, and takes the first place that
 * covers no other element (nor its label) and stays inside the canvas, clear of the palette; when every
 * place covers something (zoomed far out), the one that covers least. A menu opened from the pad
 * ("Change element") opens under the pad; when the pad is above its element, that is on the element
 * itself, so the menu then starts below it.
 *
 * Both replace diagram-js's own services under the same names, changing only where they are put.
 */
import ContextPad from 'diagram-js/lib/features/context-pad/ContextPad';
import PopupMenu from 'diagram-js/lib/features/popup-menu/PopupMenu';

const MARGIN = 8;
const MENU_SIZE = { width: 200, height: 100 };
// How the pad's entries are laid out: diagram-js's column of three, one row, or a block of rows of four.
const LAYOUTS = { column: null, row: 'pf-pad-row', block: 'pf-pad-block' };
// Big areas behind the elements: a pad may lie over their empty parts.
const BACKGROUNDS = ['bpmn:Participant', 'bpmn:Lane', 'bpmn:Group'];

function overlap(a, b) {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

export default class ClearContextPad extends ContextPad {}

ClearContextPad.$inject = ['canvas', 'elementRegistry', 'eventBus', 'scheduler'];

ClearContextPad.prototype._updatePosition = function() {
  this._scheduler.schedule(() => {
    if (!this.isOpen()) {
      return;
    }
    const { html, target } = this._current;
    const place = this._clearPlace(html, Array.isArray(target) ? target : [target]);
    setLayout(html, place.layout);
    html.style.left = `${place.x}px`;
    html.style.top = `${place.y}px`;
  }, 'ContextPad#_updatePosition');
};

// Where an element is drawn, in pixels from the canvas's top left corner.
ClearContextPad.prototype._onScreen = function(element, viewbox) {
  const box = element.waypoints ? boundsOf(element.waypoints) : element;
  return { x: (box.x - viewbox.x) * viewbox.scale, y: (box.y - viewbox.y) * viewbox.scale,
    width: box.width * viewbox.scale, height: box.height * viewbox.scale };
};

ClearContextPad.prototype._obstacles = function(targets, viewbox) {
  const root = this._canvas.getRootElement();
  const own = new Set(targets);
  targets.forEach((target) => {
    for (let parent = target.parent; parent; parent = parent.parent) {
      own.add(parent);
    }
  });
  // The element's own label counts: the pad must not hide the name of what it acts on.
  const boxes = this._elementRegistry.filter((element) => !own.has(element) && !element.waypoints
    && element !== root && !BACKGROUNDS.includes(element.type) && !element.hidden
    && this._canvas.findRoot(element) === root)
    .map((element) => this._onScreen(element, viewbox));
  const container = this._canvas.getContainer().getBoundingClientRect();
  const palette = this._canvas.getContainer().querySelector('.djs-palette');
  if (palette) {
    const box = palette.getBoundingClientRect();
    boxes.push({ x: box.left - container.left, y: box.top - container.top, width: box.width, height: box.height });
  }
  return { boxes, container: { x: 0, y: 0, width: container.width, height: container.height } };
};

function setLayout(html, layout) {
  Object.entries(LAYOUTS).forEach(([name, className]) => {
    if (className) {
      html.classList.toggle(className, name === layout);
    }
  });
}

function sizeOf(html, layout) {
  setLayout(html, layout);
  return { layout, width: html.offsetWidth, height: html.offsetHeight };
}

ClearContextPad.prototype._clearPlace = function(html, targets) {
  const viewbox = this._canvas.viewbox();
  const around = boundsOf(targets.map((target) => this._onScreen(target, viewbox)).flatMap(corners));
  const { boxes, container } = this._obstacles(targets, viewbox);
  // Above or below, the pad is centred on the element; beside it, level with its top; either way moved
  // along that side to stay inside the canvas where it can.
  const along = (at, size, room) => Math.max(0, Math.min(at, room - size));
  const above = (size) => ({ ...size, x: along(around.x + around.width / 2 - size.width / 2, size.width,
    container.width), y: around.y - MARGIN - size.height });
  const below = (size) => ({ ...above(size), y: around.y + around.height + MARGIN });
  const right = (size) => ({ ...size, x: around.x + around.width + MARGIN, y: along(around.y, size.height,
    container.height) });
  const left = (size) => ({ ...right(size), x: around.x - MARGIN - size.width });
  const column = sizeOf(html, 'column');
  const row = sizeOf(html, 'row');
  const block = sizeOf(html, 'block');
  const places = [right(column), above(row), below(row), above(block), below(block), left(column),
    right(block), left(block)];
  const covered = (place) => {
    const outside = place.width * place.height - overlap(place, container);
    return boxes.reduce((sum, box) => sum + overlap(place, box), 0) + 10 * outside;
  };
  const scored = places.map((place) => ({ place, cost: covered(place) }));
  const clear = scored.find((entry) => entry.cost === 0);
  return (clear || scored.reduce((best, entry) => (entry.cost < best.cost ? entry : best))).place;
};

export class ClearPopupMenu extends PopupMenu {}

ClearPopupMenu.$inject = ['config.popupMenu', 'eventBus', 'canvas', 'search'];

ClearPopupMenu.prototype.open = function(target, providerId, position, options) {
  return PopupMenu.prototype.open.call(this, target, providerId, this._clearOf(target, position), options);
};

// ``position`` (the menu's top left corner, in the window) moved below ``target`` when the menu, which
// grows down and to the right from there (at least MENU_SIZE), would cover it.
ClearPopupMenu.prototype._clearOf = function(target, position) {
  if (!position || Array.isArray(target) || !target || target === this._canvas.getRootElement()) {
    return position;
  }
  const graphics = this._canvas.getGraphics(target);
  if (!graphics) {
    return position;
  }
  const box = graphics.getBoundingClientRect();
  const menu = { x: position.x, y: position.y, width: MENU_SIZE.width, height: MENU_SIZE.height };
  const element = { x: box.left, y: box.top, width: box.width, height: box.height };
  return overlap(menu, element) ? { ...position, y: box.bottom + MARGIN } : position;
};

function corners(box) {
  return [{ x: box.x, y: box.y }, { x: box.x + box.width, y: box.y + box.height }];
}

function boundsOf(points) {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}
