/*
 * The draft editor: bpmn-js Modeler with the properties panel (and dmn-js for decision tables),
 * saving the draft on the server as the designer works, and "Check" marking problems on the
 * diagram. The page works without this script (upload, to-dos, forms, check, deploy); only
 * editing the drawing needs it.
 */
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import minimapModule from 'diagram-js-minimap';

import spiffworkflow from './spiffworkflow-moddle.json';
import ClearContextPad, { ClearPopupMenu } from './clear-overlays.js';
import ClearPlacement from './placement.js';
import PolicyflowPropertiesProvider from './properties-provider.js';
import { moveTodos, showInPanel, showOverview, showWorkspace, startResizers, startShortcuts } from './workspace.js';

const SAVE_DELAY_MS = 700;
// Below this zoom a task's label is too small to read: the diagram then opens at this zoom, its height
// fitted if that is larger, from its left edge (the minimap shows the whole).
const READABLE_ZOOM = 0.75;
// Pixels kept between the diagram and the canvas's edges, or the palette, when it is framed.
const GAP = 24;
const PolicyflowPropertiesModule = {
  __init__: ['policyflowPropertiesProvider', 'clearPlacement'],
  policyflowPropertiesProvider: ['type', PolicyflowPropertiesProvider],
  clearPlacement: ['type', ClearPlacement],
  contextPad: ['type', ClearContextPad],
  popupMenu: ['type', ClearPopupMenu],
};

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

async function postJson(url, body, accept) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken(), Accept: accept || 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

function errorMessage(data) {
  const errors = (data && data.errors) || [];
  return errors.map((e) => e.message).join(' ') || 'the server did not answer';
}

export async function startModeler(root) {
  const status = document.querySelector('[data-studio-status]');
  const saveStatus = document.querySelector('[data-save-status]');
  const canvasElement = root.querySelector('[data-canvas]');
  const loaded = await fetch(root.dataset.filesUrl, { credentials: 'same-origin' }).then((r) => r.json());
  const state = { files: loaded.files, revision: loaded.revision, current: null, saving: null, dirty: false };
  const forms = () => Object.keys(state.files).filter((n) => n.endsWith('.schema.json')).map((n) => n.replace(/^forms\//, ''));

  const propertiesElement = document.querySelector('[data-properties]');
  const modeler = new BpmnModeler({
    container: canvasElement,
    propertiesPanel: { parent: propertiesElement },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, PolicyflowPropertiesModule,
      minimapModule],
    moddleExtensions: { spiffworkflow },
    policyflow: { roles: loaded.roles, steps: loaded.steps, forms },
  });
  let dmn = null;

  function setSaveStatus(text) {
    if (saveStatus) {
      saveStatus.textContent = text;
    }
  }

  async function save() {
    if (!state.dirty) {
      return true;
    }
    state.dirty = false;
    const editor = state.current.endsWith('.dmn') ? dmn : modeler;
    const { xml } = await editor.saveXML({ format: true });
    state.files[state.current] = xml;
    setSaveStatus('saving…');
    const { status: code, data } = await postJson(root.dataset.filesUrl, { files: state.files, revision: state.revision });
    if (code === 200) {
      state.revision = data.revision;
      setSaveStatus('saved');
      return true;
    }
    setSaveStatus(`not saved: ${errorMessage(data)}`);
    return false;
  }

  let timer = null;
  function changed() {
    state.dirty = true;
    setSaveStatus('unsaved changes');
    clearTimeout(timer);
    timer = setTimeout(() => { state.saving = save(); }, SAVE_DELAY_MS);
  }
  modeler.on('commandStack.changed', changed);

  async function open(name) {
    if (state.current) {
      await save();
    }
    state.current = name;
    const isDmn = name.endsWith('.dmn');
    canvasElement.hidden = isDmn;
    propertiesElement.hidden = isDmn;
    if (isDmn) {
      let dmnElement = root.querySelector('[data-dmn]');
      if (!dmnElement) {
        dmnElement = document.createElement('div');
        dmnElement.className = 'studio-canvas studio-dmn';
        dmnElement.setAttribute('data-dmn', '');
        root.insertBefore(dmnElement, canvasElement);
        dmn = new DmnModeler({ container: dmnElement });
        dmn.on('views.changed', () => {
          const viewer = dmn.getActiveViewer();
          if (viewer) {
            viewer.get('eventBus').on('elements.changed', changed);
          }
        });
      }
      dmnElement.hidden = false;
      await dmn.importXML(state.files[name]);
      const views = dmn.getViews();
      const table = views.find((view) => view.type === 'decisionTable');
      if (table) {
        await dmn.open(table);
      }
    } else {
      const dmnElement = root.querySelector('[data-dmn]');
      if (dmnElement) {
        dmnElement.hidden = true;
      }
      await modeler.importXML(state.files[name]);
      openReadable();
      offerDiagrams();
    }
    document.querySelectorAll('[data-edit-file]').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.dataset.editFile === name));
    });
  }

  // The canvas less what is drawn over it (the palette on the left, the bpmn.io mark at the bottom), in
  // pixels from its top left corner: where the diagram is framed, so no element opens under a control.
  function freeArea() {
    const box = canvasElement.getBoundingClientRect();
    const palette = canvasElement.querySelector('.djs-palette');
    const mark = canvasElement.querySelector('.bjs-powered-by');
    const left = palette ? palette.getBoundingClientRect().right - box.left + GAP : GAP;
    const bottom = mark ? Math.max(GAP, box.bottom - mark.getBoundingClientRect().top + GAP / 2) : GAP;
    return { left, top: GAP, width: box.width - left - GAP, height: box.height - GAP - bottom };
  }

  // The whole diagram in the free area (centred), or, when it would be smaller than ``leastZoom``, at that
  // zoom (its height fitted if that is larger) from its top left corner.
  function frame(leastZoom) {
    const canvas = modeler.get('canvas');
    canvas.resized();
    const { inner, outer } = canvas.viewbox();
    const free = freeArea();
    if (!inner.width || !inner.height || free.width <= 0 || free.height <= 0) {
      return;
    }
    const fitted = Math.min(1, free.width / inner.width, free.height / inner.height);
    const zoom = fitted >= leastZoom ? fitted : Math.min(1, Math.max(leastZoom, free.height / inner.height));
    const spare = fitted >= leastZoom ? { x: (free.width - inner.width * zoom) / 2,
      y: (free.height - inner.height * zoom) / 2 } : { x: 0, y: 0 };
    canvas.viewbox({ x: inner.x - (free.left + spare.x) / zoom, y: inner.y - (free.top + spare.y) / zoom,
      width: outer.width / zoom, height: outer.height / zoom });
  }

  function openReadable() {
    frame(READABLE_ZOOM);
  }

  function offerDiagrams() {
    // A file with several diagrams: the designer chooses which one to show.
    const holder = document.querySelector('[data-diagram-choice]');
    const select = document.querySelector('[data-diagram-choice-select]');
    const diagrams = modeler.getDefinitions().diagrams || [];
    if (!holder || !select) {
      return;
    }
    holder.hidden = diagrams.length < 2;
    select.textContent = '';
    const shown = modeler.get('canvas').getRootElement().businessObject;
    diagrams.forEach((diagram) => {
      const option = document.createElement('option');
      option.value = diagram.id;
      option.textContent = diagram.name || diagram.id;
      option.selected = diagram.plane && diagram.plane.bpmnElement === shown;
      select.appendChild(option);
    });
  }

  const diagramSelect = document.querySelector('[data-diagram-choice-select]');
  if (diagramSelect) {
    diagramSelect.addEventListener('change', async () => {
      await modeler.open(diagramSelect.value);
      openReadable();
    });
  }

  // The shape an id names: the element itself, or, for a process (a problem of the whole process), its pool.
  function shapeOf(id) {
    const registry = modeler.get('elementRegistry');
    return registry.get(id) || registry.find((element) => element.type === 'bpmn:Participant'
      && element.businessObject.processRef && element.businessObject.processRef.id === id) || null;
  }

  function selectElement(id) {
    const element = shapeOf(id);
    if (!element) {
      return false;
    }
    modeler.get('selection').select(element);
    const free = freeArea();
    modeler.get('canvas').scrollToElement(element, { top: 100, right: 100, bottom: 100, left: free.left + 60 });
    canvasElement.focus();
    return true;
  }

  const marked = [];
  function markProblems(problems) {
    const canvas = modeler.get('canvas');
    marked.splice(0).forEach((shape) => canvas.removeMarker(shape, 'pf-problem'));
    problems.forEach((problem) => {
      const shape = problem.element && shapeOf(problem.element);
      if (shape && !marked.includes(shape)) {
        canvas.addMarker(shape, 'pf-problem');
        marked.push(shape);
      }
    });
  }

  function showCheck(result) {
    const panel = document.querySelector('[data-check-panel]');
    const list = panel.querySelector('[data-check-problems]');
    panel.hidden = false;
    list.textContent = '';
    const problems = [...result.errors, ...(result.warnings || [])];
    const warned = (result.warnings || []).length;
    panel.querySelector('[data-check-summary]').textContent = result.ok
      ? `No problems: this draft can be deployed. The dry run followed ${result.paths.length} routes.`
        + (warned ? ` ${warned} warning${warned === 1 ? '' : 's'} worth a look.` : '')
      : `${result.errors.length} problem${result.errors.length === 1 ? '' : 's'} to put right before deploying.`;
    problems.forEach((problem) => {
      const item = document.createElement('li');
      item.className = 'problem';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link-button';
      button.textContent = `${problem.file}${problem.line ? `, line ${problem.line}` : ''}${problem.element ? `, ${problem.element}` : ''}: ${problem.message}`;
      if (problem.element) {
        button.dataset.element = problem.element;
        button.addEventListener('click', () => selectElement(problem.element));
      }
      item.appendChild(button);
      list.appendChild(item);
    });
    markProblems(result.errors);
    const routes = panel.querySelector('[data-check-routes]');
    routes.textContent = '';
    (result.paths || []).forEach((path) => {
      const item = document.createElement('li');
      item.className = `route route-${path.outcome}`;
      // Each step by its name; its id is a link that selects the element on the diagram.
      path.steps.forEach((step, index) => {
        if (index) item.appendChild(document.createTextNode(' → '));
        const element = step.replace(/ \(timer\)$/, '');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link-button route-step';
        button.dataset.element = element;
        button.textContent = (path.names && path.names[index]) || step;
        button.title = element;
        button.addEventListener('click', () => selectElement(element));
        item.appendChild(button);
      });
      const choices = path.choices && path.choices.length ? ` (${path.choices.join('; ')})` : '';
      // The explanation says how the route ended ("published at …"); a loop's ("back to …") needs its outcome first.
      const how = !path.explanation ? `${path.outcome}${path.element ? ` at ${path.element}` : ''}`
        : path.explanation.startsWith(path.outcome) ? path.explanation : `${path.outcome}: ${path.explanation}`;
      item.appendChild(document.createTextNode(`: ${how}${choices}`));
      routes.appendChild(item);
    });
    panel.querySelector('[data-check-routes-title]').hidden = !(result.paths || []).length;
  }

  async function check() {
    clearTimeout(timer);
    await save();
    const { status: code, data } = await postJson(root.dataset.checkUrl, {}, 'application/json');
    const result = code === 200 ? data
      : { ok: false, errors: [{ file: '', line: null, element: null, message: errorMessage(data) }], paths: [] };
    showCheck(result);
    showWorkspace(workspace);  // the answer is beside the diagram, above the Check button
    showInPanel(document.querySelector('[data-check-panel]'));
    return code === 200 ? data : null;
  }

  const checkForm = document.querySelector('[data-check-form]');
  if (checkForm) {
    checkForm.addEventListener('submit', (event) => {
      event.preventDefault();
      check();
    });
  }
  document.querySelectorAll('.problem[data-element], .todo[data-element], .route-step[data-element]').forEach((item) => {
    if (item.dataset.element) {
      item.addEventListener('click', () => selectElement(item.dataset.element));
    }
  });
  document.querySelectorAll('[data-edit-file]').forEach((button) => {
    button.addEventListener('click', () => open(button.dataset.editFile));
  });
  // Leaving the page with unsaved work: save first (the draft is on the server, not in the tab).
  window.addEventListener('beforeunload', () => {
    if (state.dirty) {
      save();
    }
  });

  const workspace = document.querySelector('[data-workspace]');
  startResizers(workspace, () => modeler.get('canvas').resized());
  startShortcuts(canvasElement);
  moveTodos(() => { clearTimeout(timer); return save(); });
  showOverview(modeler.get('minimap'), canvasElement);
  const fit = document.querySelector('[data-fit]');
  if (fit) {
    fit.addEventListener('click', () => frame(0));
  }

  const first = Object.keys(state.files).sort().find((n) => n.endsWith('.bpmn'));
  await open(first);
  if (status) {
    status.textContent = 'Click an element to edit its properties on the right; drag the panels\' edges to '
      + 'resize them. Changes are saved as you work.';
  }
  // The page opens on the workspace, unless it was opened at another section (#check, #deploy) or scrolled
  // already (a reload); a fix returns to #todos, whose list is in the workspace's side panel.
  if (window.location.hash === '#todos' || (!window.location.hash && window.scrollY === 0)) {
    showWorkspace(workspace);
  }
  root.setAttribute('data-studio-ready', 'true');
  const api = { modeler, state, save, check, open, selectElement, openReadable, dmn: () => dmn };
  window.policyflowStudio = api;
  return api;
}
