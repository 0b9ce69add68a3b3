/*
 * The form editor's live preview: as fields change, the server renders the form with the task
 * page's own renderer and the preview pane shows it. Without this script, "Preview" does the same.
 */
(function () {
  'use strict';
  var editor = document.querySelector('[data-field-editor]');
  var target = document.querySelector('[data-preview-target]');
  if (!editor || !target || !window.fetch) {
    return;
  }
  var timer = null;
  function refresh() {
    var body = new FormData(editor);
    fetch(editor.getAttribute('data-preview-url'), {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { 'X-CSRFToken': body.get('csrf_token') || '' }
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      target.innerHTML = html;
      target.setAttribute('data-preview-updated', String(Date.now()));
    });
  }
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  editor.addEventListener('input', changed);
  editor.addEventListener('change', changed);
}());
