/*
 * The draft page's workspace around the modeler: side panels the designer resizes (by dragging the
 * separators, or with the arrow keys on them; remembered in this browser), brought into the window when the
 * page opens, after a fix and after a check, the overview (the minimap and
 * the view buttons), the keyboard shortcuts dialog, and the to-do list moved beside the diagram (its
 * fixes still post the page's forms, after the modeler has saved).
 */
const STEP_PX = 16;
const LIMITS = { left: [160, 640], right: [200, 720] };

function remembered(name) {
  try {
    return Number(window.localStorage.getItem(`policyflow.panel.${name}`)) || null;
  } catch (error) {
    return null;
  }
}

function remember(name, width) {
  try {
    window.localStorage.setItem(`policyflow.panel.${name}`, String(width));
  } catch (error) {
    // Private windows may refuse storage: the width then lasts as long as the page.
  }
}

export function startResizers(workspace, resized) {
  workspace.querySelectorAll('[data-resize]').forEach((separator) => {
    const side = separator.dataset.resize;
    const panel = workspace.querySelector(`[data-panel="${side}"]`);
    const [least, most] = LIMITS[side];
    const setWidth = (width) => {
      const clamped = Math.round(Math.min(most, Math.max(least, width)));
      workspace.style.setProperty(`--${side}-width`, `${clamped}px`);
      separator.setAttribute('aria-valuenow', String(clamped));
      remember(side, clamped);
      resized();
    };
    separator.setAttribute('aria-valuemin', String(least));
    separator.setAttribute('aria-valuemax', String(most));
    const saved = remembered(side);
    if (saved) {
      setWidth(saved);
    }
    separator.setAttribute('aria-valuenow', String(Math.round(panel.getBoundingClientRect().width)));
    separator.addEventListener('pointerdown', (down) => {
      down.preventDefault();
      separator.setPointerCapture(down.pointerId);
      const start = panel.getBoundingClientRect().width;
      const move = (event) => {
        const moved = event.clientX - down.clientX;
        setWidth(side === 'left' ? start + moved : start - moved);
      };
      const stop = () => {
        separator.removeEventListener('pointermove', move);
        separator.removeEventListener('pointerup', stop);
      };
      separator.addEventListener('pointermove', move);
      separator.addEventListener('pointerup', stop);
    });
    separator.addEventListener('keydown', (event) => {
      const grow = side === 'left' ? 'ArrowRight' : 'ArrowLeft';
      const shrink = side === 'left' ? 'ArrowLeft' : 'ArrowRight';
      if (event.key === grow || event.key === shrink) {
        event.preventDefault();
        const width = panel.getBoundingClientRect().width;
        setWidth(width + (event.key === grow ? STEP_PX : -STEP_PX));
      }
    });
  });
}

// The workspace in the window, its canvas whole: the page opens on it (not on the heading above it), and
// comes back to it after a fix (which returns to #todos, whose list is now in the side panel) or a check.
export function showWorkspace(workspace) {
  const fits = workspace.getBoundingClientRect().height <= window.innerHeight;
  workspace.scrollIntoView({ block: fits ? 'end' : 'start' });
}

// In a side panel that scrolls, ``section`` at the top of it.
export function showInPanel(section) {
  const panel = section.closest('.studio-side');
  if (panel) {
    panel.scrollTop += section.getBoundingClientRect().top - panel.getBoundingClientRect().top;
  }
}

export function startShortcuts(canvasElement) {
  const dialog = document.querySelector('[data-shortcuts]');
  const opener = document.querySelector('[data-shortcuts-open]');
  if (!dialog || !opener) {
    return;
  }
  const show = () => dialog.showModal();
  opener.addEventListener('click', show);
  canvasElement.addEventListener('keydown', (event) => {
    if (event.key === '?' && !event.target.closest('[contenteditable]')) {
      event.preventDefault();
      show();
    }
  });
  dialog.addEventListener('close', () => opener.focus());
}

// The minimap in the side panel, with the view buttons, instead of over the diagram's top right corner.
export function showOverview(minimap, canvasElement) {
  const panel = document.querySelector('[data-overview-panel]');
  const slot = document.querySelector('[data-minimap-slot]');
  const map = canvasElement.querySelector('.djs-minimap');
  if (!panel || !slot || !map) {
    return;
  }
  slot.appendChild(map);
  panel.hidden = false;
  minimap.open();
  // The minimap keeps where it is on the page from its last resize; the panel or the page may have
  // scrolled since, so it measures again before each click or wheel turn.
  const measureAgain = () => { minimap._state._svgClientRect = null; };
  map.addEventListener('mousedown', measureAgain, true);
  map.addEventListener('wheel', measureAgain, true);
}

export function moveTodos(save) {
  const slot = document.querySelector('[data-todo-slot]');
  const list = document.querySelector('#todos .todos, #todos > p');
  if (!slot || !list) {
    return;
  }
  slot.appendChild(list);
  const note = document.createElement('p');
  note.textContent = 'The to-do list is in the panel beside the diagram.';
  document.querySelector('#todos').appendChild(note);
  slot.querySelectorAll('form[data-todo-fix]').forEach((form) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      await save();  // the fix is applied to the saved draft: nothing drawn is lost
      form.submit();
    });
  });
}
