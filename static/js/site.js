// Search-as-you-type suggestions and the "/" shortcut, for every page with #search-box.
(function () {
  "use strict";
  const box = document.getElementById("search-box");
  if (!box) return;
  const list = document.getElementById("search-suggestions");
  let timer = null;
  let controller = null;
  let selected = -1;

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  function close() {
    list.hidden = true;
    list.replaceChildren();
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
    selected = -1;
  }

  function show(results) {
    list.replaceChildren();
    selected = -1;
    results.forEach(function (hit, i) {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "suggestion-" + i;
      const link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.title;
      if (hit.locale !== box.dataset.locale) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = hit.locale_name || hit.locale.toUpperCase();  // as result pages say it
        link.append(" ", badge);
      }
      item.append(link);
      list.append(item);
    });
    list.hidden = results.length === 0;
    box.setAttribute("aria-expanded", String(results.length > 0));
  }

  // Over the suggestion limit the server answers 429 with a message in the page's language
  // ("Too many searches; try again in 30 s."): say it instead of silently showing nothing.
  function notice(text) {
    list.replaceChildren();
    selected = -1;
    const item = document.createElement("li");
    item.className = "suggestions-notice";
    item.setAttribute("role", "status");
    item.textContent = text;
    list.append(item);
    list.hidden = false;
    box.setAttribute("aria-expanded", "false");
  }

  function limited(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      const seconds = body.retry_after || response.headers.get("Retry-After") || "";
      return { limited: body.message || (box.dataset.limitedText || "").replace("{seconds}", seconds) };
    });
  }

  function suggest() {
    const query = box.value.trim();
    if (query.length < 2) { close(); return; }
    if (controller) controller.abort();
    controller = new AbortController();
    const url = new URL(box.dataset.suggestUrl, window.location.origin);
    url.search = new URLSearchParams({ q: query, locale: box.dataset.locale, limit: "5", suggest: "1" });
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 429) return limited(response);
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (body) {
        if (box.value.trim() !== query) return;
        if (body.limited) notice(body.limited);
        else show(body.results || []);
      })
      .catch(function () { /* aborted or offline: keep the page usable */ });
  }

  function move(step) {
    const items = list.querySelectorAll("li[role=option]");
    if (!items.length) return;
    if (selected >= 0) items[selected].removeAttribute("aria-selected");
    selected = (selected + step + items.length) % items.length;
    items[selected].setAttribute("aria-selected", "true");
    box.setAttribute("aria-activedescendant", items[selected].id);
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  box.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && selected >= 0) {
      event.preventDefault();
      window.location.href = list.querySelectorAll("li a")[selected].href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== box) close();
  });
})();
