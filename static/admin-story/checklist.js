// The publish checklist follows the editor's typing: the form is posted (not
// saved) to the story's checks endpoint, which runs the server's own rules.
// Without JavaScript the checklist shows the saved story's results, as before.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("story_form");
  const list = document.querySelector(".checklist[data-checks-url]");
  if (!form || !list) {
    return;
  }
  let timer = null;
  let latest = 0;

  function render(checks) {
    for (const check of checks) {
      const item = list.querySelector('li[data-rule="' + check.rule + '"]');
      if (!item) {
        continue;
      }
      item.className = check.passed ? "check-pass" : "check-fail";
      item.textContent = (check.passed ? "✓ Pass" : "✗ Fail") + ": " + check.label +
        (check.passed ? "" : " — " + check.problems.join(" "));
    }
  }

  function run() {
    const asked = ++latest;
    fetch(list.dataset.checksUrl, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && asked === latest) {  // an older answer never overwrites a newer one
          render(data.checks);
        }
      })
      .catch(function () {});  // offline or refused: the saved results stay shown
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(run, 500);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  // A choice in an autocomplete (an author, a cited source) is announced by
  // the admin's jQuery, which a native listener never hears.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(form).on("change", "select", soon);
  }
  // Rows added or removed change what the rules see.
  form.addEventListener("formset:added", soon);
  form.addEventListener("formset:removed", soon);
});
