/*
 * Read-only diagrams in the studio: a version's diagram, and two versions compared with
 * bpmn-js-differ (added, changed and removed elements coloured; the list beside it is the
 * server's, so the page says the same without this script).
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnModdle } from 'bpmn-moddle';
import { diff } from 'bpmn-js-differ';

import spiffworkflow from './spiffworkflow-moddle.json';

function text(url) {
  return fetch(url, { credentials: 'same-origin' }).then((response) => {
    if (!response.ok) {
      throw new Error(`${url} answered ${response.status}`);
    }
    return response.text();
  });
}

function setStatus(message) {
  const status = document.querySelector('[data-studio-status]');
  if (status) {
    status.textContent = message;
  }
}

export async function startViewer(root) {
  const viewer = new NavigatedViewer({ container: root, moddleExtensions: { spiffworkflow } });
  await viewer.importXML(await text(root.dataset.diagramUrl));
  viewer.get('canvas').zoom('fit-viewport');
  setStatus('Drag to move the diagram; use the mouse wheel or trackpad to zoom.');
  root.setAttribute('data-studio-ready', 'true');
  return viewer;
}

async function definitions(xml) {
  const moddle = new BpmnModdle({ spiffworkflow });
  const { rootElement } = await moddle.fromXML(xml);
  return rootElement;
}

export async function startDiff(root) {
  const [oldXml, newXml] = await Promise.all([text(root.dataset.oldUrl), text(root.dataset.newUrl)]);
  const changes = diff(await definitions(oldXml), await definitions(newXml));
  const viewer = new NavigatedViewer({ container: root, moddleExtensions: { spiffworkflow } });
  await viewer.importXML(newXml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const mark = (ids, marker) => ids.forEach((id) => registry.get(id) && canvas.addMarker(id, marker));
  // A pool or lane is coloured only when its own attributes change (its name, say), never because an
  // element inside it was added or moved, or because it grew to hold one.
  const containers = ['bpmn:Participant', 'bpmn:Lane', 'bpmn:LaneSet', 'bpmn:Process', 'bpmn:Collaboration'];
  const ownAttrs = (id) => Object.keys((changes._changed[id] || {}).attrs || {})
    .filter((attr) => !['flowNodeRef', 'flowNodeRefs', 'childLaneSet', 'lanes', 'flowElements', 'laneSets',
      'processRef', 'participants', 'messageFlows', 'artifacts'].includes(attr));
  const container = (id) => registry.get(id) && containers.includes(registry.get(id).type);
  // The server's list also names elements whose form changed (the diagram itself may not have).
  const listed = JSON.parse(root.dataset.listedChanges || '[]');
  const changed = [...new Set(Object.keys(changes._changed).filter((id) => !container(id) || ownAttrs(id).length)
    .concat(listed))];
  const moved = Object.keys(changes._layoutChanged).filter((id) => !container(id));
  mark(Object.keys(changes._added), 'pf-added');
  mark([...new Set(changed.concat(moved))], 'pf-changed');
  canvas.zoom('fit-viewport');
  const removed = Object.keys(changes._removed);
  setStatus(`${Object.keys(changes._added).length} added, ${changed.length} changed` +
    (removed.length ? `, ${removed.length} removed (${removed.join(', ')})` : '') + ' on the diagram.');
  root.setAttribute('data-studio-ready', 'true');
  root.dataset.added = JSON.stringify(Object.keys(changes._added));
  root.dataset.changed = JSON.stringify(changed);
  return viewer;
}
