// Agent ticket page: "Insert link" into the reply box, and the article panel's search box.
// Both talk to the server-rendered page only through data attributes; no build step.
(function () {
  "use strict";

  var panel = document.querySelector(".article-panel");
  var textarea = document.getElementById("reply-body");
  if (!panel || !textarea) return;

  var label = function (name) { return panel.getAttribute("data-label-" + name) || ""; };

  // Insert `[Title](article:<id>)` at the cursor, on its own words, and keep typing there.
  function insertLink(markdown) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    var text = markdown;
    if (before && !/\s$/.test(before)) text = " " + text;
    if (after && !/^\s/.test(after)) text = text + " ";
    textarea.value = before + text + after;
    var caret = before.length + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  panel.addEventListener("click", function (event) {
    var button = event.target.closest(".insert-link");
    if (!button) return;
    event.preventDefault();
    insertLink(button.getAttribute("data-markdown"));
  });

  var form = document.getElementById("panel-search");
  var input = document.getElementById("panel-q");
  var list = document.getElementById("panel-results");
  var degraded = document.getElementById("panel-degraded");
  if (!form || !input || !list) return;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function renderHit(hit) {
    var item = element("li", "panel-hit" + (hit.visibility === "public" ? "" : " panel-hit-internal"));
    item.setAttribute("data-article-id", hit.id);
    item.setAttribute("data-article-locale", hit.locale);
    var title = element("p", "panel-hit-title");
    var link = element("a", null, hit.title);
    link.href = hit.url || hit.agent_url;
    link.target = "_blank";
    link.rel = "noopener";
    link.lang = hit.locale;
    title.appendChild(link);
    title.appendChild(document.createTextNode(" "));
    title.appendChild(element("span", "tag", hit.locale));
    if (hit.visibility !== "public") {
      title.appendChild(document.createTextNode(" "));
      title.appendChild(element("span", "badge badge-internal", label("internal")));
    }
    item.appendChild(title);
    var snippet = element("p", "snippet");
    snippet.lang = hit.locale;
    snippet.innerHTML = hit.snippet_html; // sanitized server-side: text and <mark> only
    item.appendChild(snippet);
    if (hit.link) {
      if (hit.link.note) item.appendChild(element("p", "fallback-note", hit.link.note));
      var button = element("button", "button small insert-link", label("insert"));
      button.type = "button";
      button.setAttribute("data-markdown", hit.link.markdown);
      if (hit.visibility !== "public") button.title = label("internal-hint");
      item.appendChild(button);
    }
    return item;
  }

  var pending = null;
  function search() {
    var params = new URLSearchParams(new FormData(form));
    if (!params.get("q").trim()) {
      list.replaceChildren();
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.action + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        list.replaceChildren.apply(list, data.results.map(renderHit));
        if (!data.results.length) list.appendChild(element("li", "muted", label("empty")));
        if (degraded) {
          degraded.textContent = data.degraded || "";
          degraded.hidden = !data.degraded;
        }
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        list.replaceChildren(element("li", "field-error", label("error")));
      });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target !== input) search();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
})();
