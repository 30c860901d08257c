// Writer's editor: live preview rendered by the server with the customers' renderer and
// sanitizer (POST /write/preview), the preview title, and a warning before losing edits.
// Without JavaScript the form's "Preview" button does the same with a full page load.
(function () {
  "use strict";

  var body = document.getElementById("editor-body");
  var pane = document.getElementById("editor-preview");
  var form = document.getElementById("editor-form");
  if (!body || !pane || !form) return;

  var url = body.getAttribute("data-preview-url");
  var token = body.getAttribute("data-csrf");
  var errorBox = document.getElementById("preview-error");
  var title = document.getElementById("title");
  var previewTitle = document.getElementById("preview-title");
  var localeSelect = document.getElementById("locale");
  var DELAY_MS = 300;
  var timer = null;
  var sequence = 0;
  var dirty = false;

  var button = form.querySelector(".preview-button");
  if (button) button.hidden = true; // the preview is live

  function locale() {
    return (localeSelect && localeSelect.value) || body.getAttribute("data-locale") || "";
  }

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function refresh() {
    var mine = ++sequence;
    var data = new FormData();
    data.append("markdown", body.value);
    data.append("locale", locale());
    pane.parentNode.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      })
      .then(function (result) {
        if (mine !== sequence) return; // a newer preview is on its way
        if (result.ok) {
          pane.innerHTML = result.json.html; // sanitized on the server (nh3)
          showError("");
        } else {
          showError(result.json.error);
        }
      })
      .catch(function () {
        if (mine === sequence) showError(pane.getAttribute("data-offline") || "Preview unavailable.");
      })
      .then(function () {
        if (mine === sequence) pane.parentNode.removeAttribute("aria-busy");
      });
  }

  function schedule() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  body.addEventListener("input", schedule);
  if (localeSelect) localeSelect.addEventListener("change", schedule);
  if (title && previewTitle) {
    title.addEventListener("input", function () {
      dirty = true;
      previewTitle.textContent = title.value;
    });
  }
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
