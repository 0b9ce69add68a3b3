/*
 * policyflow diagram viewer (plain script, no modules, no build step).
 *
 * Needs the bpmn-js navigated viewer bundle loaded first:
 *   <script src="/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"></script>
 * which defines the global `BpmnJS`.
 *
 * Markup contract (set by the templates):
 *   <div class="diagram" tabindex="0" role="img" aria-label="..."
 *        data-diagram-url="/workflows/x/diagram.bpmn"
 *        data-completed='["Task_a","Task_b"]'
 *        data-current='["Task_c"]'></div>
 *   <p data-diagram-status></p>   (sibling or child; created if missing)
 *
 * Outcome, written on the container:
 *   data-diagram-ready="true"   after import, zoom and markers succeeded
 *   data-diagram-ready="error"  on any failure (message in the status element)
 * Markers: "pf-completed" / "pf-current" CSS classes on the diagram elements.
 */
(function () {
  'use strict';

  var CONTAINER_SELECTOR = '[data-diagram-url]';
  var STATUS_SELECTOR = '[data-diagram-status]';
  var PAN_STEP = 50;
  var ZOOM_STEP = 1.2;

  function parseIdList(container, attr) {
    var raw = container.getAttribute(attr);
    if (!raw) {
      return [];
    }
    try {
      var value = JSON.parse(raw);
      if (!Array.isArray(value)) {
        throw new Error('not an array');
      }
      return value.filter(function (id) {
        return typeof id === 'string' && id.length > 0;
      });
    } catch (err) {
      if (window.console) {
        console.warn('policyflow: ignoring invalid ' + attr + ' JSON on diagram', raw, err);
      }
      return [];
    }
  }

  /* Status element, in this order: a child of the container; the nearest
   * following sibling (stopping at the next diagram); the nearest preceding
   * sibling (same rule); else a new visually hidden live region after the
   * container. A child of a role="img" container is hidden from screen
   * readers, so templates should prefer a sibling. */
  function siblingStatus(container, step) {
    var node = container[step];
    while (node) {
      if (node.matches(CONTAINER_SELECTOR)) {
        return null;
      }
      if (node.matches(STATUS_SELECTOR)) {
        return node;
      }
      node = node[step];
    }
    return null;
  }

  function findStatusElement(container) {
    var status = container.querySelector(STATUS_SELECTOR) ||
      siblingStatus(container, 'nextElementSibling') ||
      siblingStatus(container, 'previousElementSibling');
    if (!status) {
      status = document.createElement('p');
      status.className = 'visually-hidden';
      status.setAttribute('data-diagram-status', '');
      container.insertAdjacentElement('afterend', status);
    }
    if (!status.hasAttribute('role') && !status.hasAttribute('aria-live')) {
      status.setAttribute('role', 'status');
    }
    return status;
  }

  function setStatus(status, text) {
    status.textContent = text;
  }

  /* Readable name for the status text: the BPMN name, else the element
   * type in words ("user task"), else the id. */
  function elementName(registry, id) {
    var element = registry.get(id);
    var bo = element && element.businessObject;
    var name = bo && typeof bo.name === 'string' ? bo.name.replace(/\s+/g, ' ').trim() : '';
    if (name) {
      return name;
    }
    var type = bo && bo.$type ? bo.$type.replace(/^bpmn:/, '') : '';
    if (type) {
      return 'unnamed ' + type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    }
    return id;
  }

  /* Sequence flows etc. get markers but are left out of the spoken summary. */
  function isConnection(registry, id) {
    var element = registry.get(id);
    return !!(element && element.waypoints);
  }

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (err) {
      return false;
    }
  }

  function fetchXml(url) {
    if (!sameOrigin(url)) {
      return Promise.reject(new Error('The diagram address is not on this site.'));
    }
    return fetch(url, {
      credentials: 'same-origin',
      headers: { Accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error('The server answered ' + response.status +
          (response.statusText ? ' ' + response.statusText : '') + '.');
      }
      return response.text();
    }, function () {
      throw new Error('The diagram file could not be downloaded (network error).');
    });
  }

  /* The container (tabindex=0, set by the template) is the diagram's tab stop.
   * bpmn-js makes its inner <svg> focusable too; take it out of the tab
   * order (the bpmn.io watermark link is left exactly as bpmn-js renders it,
   * as its licence requires) and offer simple keys on the container instead:
   * arrows pan, + / - zoom, 0 fits the whole diagram. */
  function wireKeyboard(container, canvas) {
    var svg = canvas.getContainer().querySelector('svg');
    if (svg) {
      svg.setAttribute('tabindex', '-1');
      svg.setAttribute('focusable', 'false');
    }

    container.addEventListener('keydown', function (event) {
      if (event.target !== container || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var handled = true;
      switch (event.key) {
        case 'ArrowLeft': canvas.scroll({ dx: PAN_STEP, dy: 0 }); break;
        case 'ArrowRight': canvas.scroll({ dx: -PAN_STEP, dy: 0 }); break;
        case 'ArrowUp': canvas.scroll({ dx: 0, dy: PAN_STEP }); break;
        case 'ArrowDown': canvas.scroll({ dx: 0, dy: -PAN_STEP }); break;
        case '+':
        case '=': canvas.zoom(canvas.zoom() * ZOOM_STEP); break;
        case '-':
        case '_': canvas.zoom(canvas.zoom() / ZOOM_STEP); break;
        case '0': canvas.zoom('fit-viewport', 'auto'); break;
        default: handled = false;
      }
      if (handled) {
        event.preventDefault();
      }
    });
  }

  function describe(registry, completed, current) {
    function names(ids) {
      return ids.filter(function (id) {
        return !isConnection(registry, id);
      }).map(function (id) {
        return elementName(registry, id);
      });
    }
    var parts = ['Diagram loaded.'];
    var currentNames = names(current);
    var completedNames = names(completed);
    if (currentNames.length === 1) {
      parts.push('Current step: ' + currentNames[0] + '.');
    } else if (currentNames.length > 1) {
      parts.push('Current steps: ' + currentNames.join(', ') + '.');
    }
    if (completedNames.length) {
      parts.push('Completed ' + (completedNames.length === 1 ? 'step' : 'steps') +
        ': ' + completedNames.join(', ') + '.');
    }
    return parts.join(' ');
  }

  function initDiagram(container) {
    if (container.hasAttribute('data-diagram-init')) {
      return Promise.resolve(container.__pfViewer || null);
    }
    container.setAttribute('data-diagram-init', '');
    container.setAttribute('aria-busy', 'true');

    var status = findStatusElement(container);
    var url = container.getAttribute('data-diagram-url');
    setStatus(status, 'Loading diagram\u2026');

    var viewer = null;

    function fail(message) {
      if (viewer) {
        // Remove the empty canvas so only the message remains.
        try { viewer.destroy(); } catch (err) { /* ignore */ }
        container.__pfViewer = viewer = null;
      }
      container.removeAttribute('aria-busy');
      container.setAttribute('data-diagram-ready', 'error');
      container.classList.add('diagram-error');
      setStatus(status, 'The diagram could not be shown. ' + message);
      return null;
    }

    if (typeof window.BpmnJS !== 'function') {
      return Promise.resolve(fail('The diagram viewer script did not load.'));
    }
    if (!url) {
      return Promise.resolve(fail('No diagram address was given.'));
    }

    viewer = new window.BpmnJS({ container: container });
    container.__pfViewer = viewer;

    return fetchXml(url)
      .then(function (xml) {
        return viewer.importXML(xml).catch(function (err) {
          if (window.console) {
            console.error('policyflow: BPMN import failed', err);
          }
          throw new Error('The diagram file is not valid BPMN.');
        });
      })
      .then(function (result) {
        if (result && result.warnings && result.warnings.length && window.console) {
          console.warn('policyflow: BPMN import warnings', result.warnings);
        }
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');

        try {
          canvas.zoom('fit-viewport', 'auto');
        } catch (err) {
          // A hidden (zero-size) container cannot be fitted; not fatal.
          if (window.console) {
            console.warn('policyflow: could not fit diagram to viewport', err);
          }
        }

        var missing = [];
        /* A step inside a subprocess is drawn on the subprocess's own plane (drill-down);
         * mark the subprocess too, so the main plane shows where the step is. */
        function markEnclosing(id, cls) {
          var parent = registry.get(id).businessObject.$parent;
          while (parent && parent.$type === 'bpmn:SubProcess') {
            if (registry.get(parent.id)) {
              canvas.addMarker(parent.id, cls);
            }
            parent = parent.$parent;
          }
        }
        function mark(ids, cls) {
          var found = [];
          ids.forEach(function (id) {
            if (registry.get(id)) {
              canvas.addMarker(id, cls);
              markEnclosing(id, cls);
              found.push(id);
            } else {
              missing.push(id);
            }
          });
          return found;
        }
        var completed = mark(parseIdList(container, 'data-completed'), 'pf-completed');
        var current = mark(parseIdList(container, 'data-current'), 'pf-current');

        wireKeyboard(container, canvas);
        window.addEventListener('resize', function () {
          canvas.resized();
        });

        if (missing.length && window.console) {
          console.warn('policyflow: marker ids not found in diagram', missing);
        }
        setStatus(status, describe(registry, completed, current));
        container.removeAttribute('aria-busy');
        container.setAttribute('data-diagram-ready', 'true');
        return viewer;
      })
      .catch(function (err) {
        return fail(err && err.message ? err.message : String(err));
      });
  }

  function initAll(root) {
    var nodes = (root || document).querySelectorAll(CONTAINER_SELECTOR);
    return Promise.all(Array.prototype.map.call(nodes, initDiagram));
  }

  window.PolicyflowDiagrams = { init: initDiagram, initAll: initAll };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { initAll(); });
  } else {
    initAll();
  }
})();
