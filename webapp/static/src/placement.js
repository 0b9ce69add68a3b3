/*
 * New elements placed clear of their neighbours. bpmn-js's AutoPlace puts an appended element beside
 * its source and steps aside only for elements connected to that source; in a full diagram it then
 * lands on top of an unrelated task or subprocess. This steps it down until nothing is under it.
 */
import { getNewShapePosition } from 'bpmn-js/lib/features/auto-place/BpmnAutoPlaceUtil';

const GAP = 20;
// Above bpmn-js's grid-snapping placement (2000), which would otherwise answer first.
const PRIORITY = 2500;
const MAX_STEPS = 30;
const NOT_OBSTACLES = ['label', 'bpmn:Lane', 'bpmn:Participant'];

function overlaps(box, other) {
  return box.x < other.x + other.width + GAP && other.x < box.x + box.width + GAP
    && box.y < other.y + other.height + GAP && other.y < box.y + box.height + GAP;
}

export default function ClearPlacement(eventBus, elementRegistry) {
  eventBus.on('autoPlace', PRIORITY, ({ source, shape }) => {
    const others = elementRegistry.filter((element) => !element.waypoints && element !== source
      && element !== shape && element.parent === source.parent && !NOT_OBSTACLES.includes(element.type));
    const first = getNewShapePosition(source, shape, elementRegistry);
    let position = { x: Math.round(first.x / 10) * 10, y: Math.round(first.y / 10) * 10 };
    const box = (at) => ({ x: at.x - shape.width / 2, y: at.y - shape.height / 2, width: shape.width,
      height: shape.height });
    for (let step = 0; step < MAX_STEPS && others.some((other) => overlaps(box(position), other)); step += 1) {
      position = { x: position.x, y: position.y + shape.height + GAP };
    }
    return position;
  });
}

ClearPlacement.$inject = ['eventBus', 'elementRegistry'];
