/* Task forms, enhanced: conditional fields appear when they apply, and the risk
 * matrix shows each risk's score and a provisional rating as it is filled in.
 * Without this script every field is shown and the scores appear after a save
 * or a submission; the server (and its risk rating table) decides either way. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-task-form]");
  if (!form) { return; }

  function valueOf(name) {
    var control = form.elements.namedItem(name);
    if (!control) { return null; }
    if (typeof control.length === "number" && !control.tagName) {      // radios or checkboxes
      var chosen = [];
      for (var i = 0; i < control.length; i++) {
        if (control[i].checked) { chosen.push(control[i].value); }
      }
      if (control[0] && control[0].type === "checkbox") { return chosen; }  // a multi-select
      return chosen.length ? chosen[0] : null;
    }
    if (control.type === "checkbox") { return control.checked ? "true" : "false"; }
    return control.value === "" ? null : control.value;
  }

  function showConditionalFields() {
    form.querySelectorAll("[data-show-when]").forEach(function (field) {
      var rules = JSON.parse(field.getAttribute("data-show-when"));
      var applies = rules.some(function (rule) {
        return Object.keys(rule).every(function (name) {
          var value = valueOf(name);
          if (Array.isArray(value)) {   // a multi-select applies when any chosen value does
            return value.some(function (one) { return rule[name].indexOf(one) !== -1; });
          }
          return rule[name].indexOf(value) !== -1;
        });
      });
      field.hidden = !applies;
      // What is not shown is not sent either.
      field.querySelectorAll("input, select, textarea").forEach(function (control) { control.disabled = !applies; });
    });
  }

  function scoreRisks() {
    var highest = null;
    form.querySelectorAll("[data-risk]").forEach(function (group) {
      var likelihood = parseInt(valueOf(group.getAttribute("data-likelihood")), 10);
      var impact = parseInt(valueOf(group.getAttribute("data-impact")), 10);
      var score = isNaN(likelihood) || isNaN(impact) ? null : likelihood * impact;
      var output = group.querySelector("[data-score]");
      if (output) { output.textContent = score === null ? "–" : String(score); }
      if (score !== null && (highest === null || score > highest)) { highest = score; }
    });
    var summary = form.querySelector("[data-rating-rules]");
    if (!summary) { return; }
    summary.querySelector("[data-highest]").textContent = highest === null ? "–" : String(highest);
    var rules = JSON.parse(summary.getAttribute("data-rating-rules"));
    var found = highest === null ? null : rules.find(function (rule) {
      if (rule.lowest === null && rule.below === null) { return false; }
      return (rule.lowest === null || highest >= rule.lowest) && (rule.below === null || highest < rule.below);
    });
    var rating = summary.querySelector("[data-rating]");
    rating.textContent = "";
    if (found) {
      var strong = document.createElement("strong");
      strong.textContent = found.rating.charAt(0).toUpperCase() + found.rating.slice(1);
      rating.append("Provisional rating: ", strong, " (" + found.description + ").");
    }
  }

  function update() {
    showConditionalFields();
    scoreRisks();
  }

  // Saving for later keeps everything typed, including fields that do not apply yet.
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "save") {
      form.querySelectorAll("[data-show-when] :disabled").forEach(function (c) { c.disabled = false; });
    }
  });
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();

  // A jump link from the evidence in brief to a closed part of the evidence opens it.
  document.querySelectorAll(".evidence-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target && target.tagName === "DETAILS") { target.open = true; }
    });
  });
})();
