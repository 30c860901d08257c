// Contact form: suggest articles while the customer types; "This answered my question"
// records a deflection and ends the flow. Opened suggestions open in a new tab, so the
// typed text stays where it is.
(function () {
  "use strict";
  const form = document.getElementById("contact-form");
  if (!form) return;
  const layout = form.closest(".contact-layout");
  const panel = document.getElementById("suggestions-panel");
  const heading = document.getElementById("suggestions-heading");
  const actions = document.getElementById("contact-actions");
  const send = actions.querySelector("button[type=submit]");
  const submissionKey = form.querySelector("[name=submission_key]");
  const subject = form.querySelector("[name=subject]");
  const description = form.querySelector("[name=description]");
  const list = document.getElementById("form-suggestions");
  const empty = document.getElementById("suggestions-empty");
  const template = document.getElementById("suggestion-template");
  const thanks = document.getElementById("answered-message");
  const jump = document.getElementById("suggestion-jump");
  const suggested = form.querySelector("[name=suggested]");
  const opened = form.querySelector("[name=opened]");
  const csrf = form.querySelector("[name=csrf_token]");
  let timer = null;
  let controller = null;
  let lastQuery = "";
  // The search API refuses longer queries (400), so the query is cut to its limit.
  const maxQuery = Number(form.dataset.maxQuery) || 500;

  // Back after sending shows this page again, the browser refilling what was typed but the
  // server handing out a new submission key: a second Send would file a second ticket. The
  // tab keeps its key, so the second Send is the same submission and shows the ticket filed
  // (the server binds the key to the content: other text with this key files a new one).
  const KEY_STORE = "contact-submission-key";
  function keepSubmissionKey() {
    try {
      const kept = window.sessionStorage.getItem(KEY_STORE);
      if (kept && /^[0-9a-f]{32}$/.test(kept)) submissionKey.value = kept;
      else window.sessionStorage.setItem(KEY_STORE, submissionKey.value);
    } catch (error) { /* storage disabled: the server's key still stops a double click */ }
  }
  keepSubmissionKey();

  function remember(field, id) {
    const ids = field.value ? field.value.split(",") : [];
    if (!ids.includes(id)) { ids.push(id); field.value = ids.slice(-20).join(","); }
  }

  function typedText() {
    const text = (subject.value + " " + description.value.slice(0, 300)).trim();
    // Cut by code points (as the server counts), never inside a surrogate pair.
    return Array.from(text).slice(0, maxQuery).join("").trim();
  }

  function clear() {
    list.replaceChildren();
    empty.textContent = empty.dataset.idleText || empty.textContent;
    empty.hidden = false;
    jump.hidden = true;
  }

  // Over the suggestion limit the server answers 429 with a message in the page's language
  // ("Too many searches; try again in 30 s."): say so where the suggestions would be.
  function limited(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      const seconds = body.retry_after || response.headers.get("Retry-After") || "";
      list.replaceChildren();
      if (!empty.dataset.idleText) empty.dataset.idleText = empty.textContent;
      empty.textContent = body.message || (form.dataset.limitedText || "").replace("{seconds}", seconds);
      empty.hidden = false;
      lastQuery = "";  // the same text is asked again once the customer types on
      return null;
    });
  }

  function show(results) {
    list.replaceChildren();
    if (empty.dataset.idleText) empty.textContent = empty.dataset.idleText;
    empty.hidden = results.length > 0;
    jump.hidden = results.length === 0;
    results.forEach(function (hit) {
      const item = template.content.firstElementChild.cloneNode(true);
      const link = item.querySelector(".suggestion-title");
      link.href = hit.url;
      link.textContent = hit.title;
      link.addEventListener("click", function () { remember(opened, hit.id); });
      if (hit.locale !== form.dataset.locale) {  // named as result pages name it ("영어")
        const badge = item.querySelector(".suggestion-locale");
        badge.textContent = hit.locale_name || hit.locale.toUpperCase();
        badge.lang = document.documentElement.lang;
        badge.hidden = false;
      }
      // The snippet is HTML escaped by the server, with <mark> around matched words.
      item.querySelector(".snippet").innerHTML = hit.snippet;
      item.querySelector(".answered").addEventListener("click", function () { answered(hit, item); });
      list.append(item);
      remember(suggested, hit.id);
    });
  }

  function suggest() {
    const query = typedText();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    // From two characters, as in the search box: "환불" is a whole question in Korean.
    if (query.length < 2) {  // cleared: suggestions for the old text would mislead
      controller = null;
      clear();
      return;
    }
    controller = new AbortController();
    const url = new URL(form.dataset.suggestUrl, window.location.origin);
    url.search = new URLSearchParams({
      q: query, locale: form.dataset.locale, limit: "5", side: "form", suggest: "1",
    });
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 429) return limited(response);
        return response.ok ? response.json() : null;
      })
      .then(function (body) { if (body) show(body.results || []); })
      .catch(function () { /* aborted or offline: the form still works */ });
  }

  function answered(hit, item) {
    const data = new FormData();
    data.append("csrf_token", csrf ? csrf.value : "");
    data.append("article_id", hit.id);
    data.append("article_locale", hit.locale);
    data.append("subject", subject.value);
    data.append("description", description.value.slice(0, 500));
    fetch(form.dataset.answeredUrl, {
      method: "POST", body: data, headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 429) { limited(response); return; }  // says when to try again
      if (!response.ok) return;
      // The flow ends: no form, no heading over an empty list; the article the customer
      // chose stays (without its button) under the thanks, which takes the focus.
      if (controller) controller.abort();
      clearTimeout(timer);
      form.hidden = true;
      actions.hidden = true;
      heading.hidden = true;
      empty.hidden = true;
      list.replaceChildren(item);
      item.querySelector(".answered").remove();
      item.classList.add("chosen");
      layout.classList.add("answered");
      panel.setAttribute("aria-labelledby", "answered-heading");
      thanks.hidden = false;
      thanks.focus();
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(suggest, 350);
  }
  subject.addEventListener("input", schedule);
  description.addEventListener("input", schedule);
  form.addEventListener("submit", function () {
    send.disabled = true;  // one click, one ticket
  });
  // A page restored from the back-forward cache keeps the disabled button: enable it again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { send.disabled = false; keepSubmissionKey(); }
  });
  if (typedText().length >= 3) suggest();  // a form shown again after an error
})();
