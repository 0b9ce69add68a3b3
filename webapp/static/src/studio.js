/*
 * The studio's one bundle (built by esbuild from npm packages: `make bundle`). Each page marks
 * what it needs with data-studio: "modeler" (a draft), "viewer" (a version), "diff" (compare).
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import 'diagram-js-minimap/assets/diagram-js-minimap.css';
import './studio.css';

import { startModeler } from './modeler.js';
import { startDiff, startViewer } from './viewers.js';

const STARTERS = { modeler: startModeler, viewer: startViewer, diff: startDiff };

document.querySelectorAll('[data-studio]').forEach((root) => {
  const start = STARTERS[root.dataset.studio];
  if (!start) {
    return;
  }
  start(root).catch((error) => {
    root.setAttribute('data-studio-ready', 'error');
    const status = document.querySelector('[data-studio-status]');
    if (status) {
      status.textContent = `The diagram could not be shown: ${error.message}`;
    }
  });
});
