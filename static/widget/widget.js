/*
 * The help center's widget: one script tag on any site.
 *
 *   <script src="https://help.example.com/widget.js" data-locale="ko" async></script>
 *
 * Optional: data-context="billing-refunds" (a category key, or a few words about the page)
 * lists matching articles first. The launcher and panel live in a shadow root, so the host
 * page's CSS does not reach them and theirs does not reach the page. Every text comes from
 * the public API (/api/v1/widget) in the page's locale; data from the API is put in the
 * page as text, and an article's HTML (sanitized by the server) is parsed inertly and only
 * its elements are copied in.
 *
 * A tiny public API for the host: window.HelpWidget.open(), .close(), .search("words").
 */
(function () {
  "use strict";
  if (window.HelpWidget) return; // the tag pasted twice: one widget

  var script =
    document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) return;
  var BASE = new URL(script.src, document.baseURI).origin;
  var API = BASE + "/api/v1";
  var pageLang = (script.getAttribute("data-locale") ||
    document.documentElement.lang || navigator.language || "en").toLowerCase();
  var LOCALE = pageLang.split("-")[0];
  var CONTEXT = script.getAttribute("data-context") || "";

  var STYLE = [
    ":host { all: initial !important; }",
    ".root { all: initial; font: 400 15px/1.45 system-ui, -apple-system, 'Segoe UI', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif; color: #1d2433; }",
    ".root *, .root *::before, .root *::after { box-sizing: border-box; font-family: inherit; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: inline-flex; align-items: center; gap: 8px;",
    "  min-height: 48px; padding: 0 20px; border: 0; border-radius: 24px; background: #1f5fbf; color: #fff; font-size: 16px;",
    "  font-weight: 600; line-height: 1; font-family: inherit; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:hover { background: #174a96; }",
    ".launcher:focus-visible, button:focus-visible, a:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 80px; z-index: 2147483001; width: 380px; max-width: calc(100vw - 40px);",
    "  height: min(640px, calc(100vh - 100px)); display: flex; flex-direction: column; background: #fff; color: #1d2433;",
    "  border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden; font-size: 15px; }",
    "[hidden] { display: none !important; }",
    "header { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 12px 12px 16px; background: #1f5fbf; color: #fff; }",
    "h2 { margin: 0; font-size: 17px; font-weight: 700; color: inherit; }",
    "h3 { margin: 0 0 8px; font-size: 15px; font-weight: 700; color: #1d2433; }",
    ".close { width: 40px; height: 40px; border: 0; border-radius: 20px; background: transparent; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; }",
    ".close:hover { background: rgba(255,255,255,.15); }",
    ".body { flex: 1; overflow-y: auto; padding: 12px 16px; }",
    "label { display: block; margin: 0 0 4px; font-size: 13px; font-weight: 600; color: #3b4558; }",
    "input, textarea { width: 100%; padding: 9px 10px; border: 1px solid #9aa4b5; border-radius: 6px; font-size: 15px; color: #1d2433; background: #fff; }",
    "textarea { resize: vertical; min-height: 64px; }",
    "ul { list-style: none; margin: 0 0 12px; padding: 0; }",
    "li { margin: 0; padding: 0; border-bottom: 1px solid #e3e7ee; }",
    ".item { display: block; width: 100%; padding: 10px 2px; border: 0; background: none; text-align: left; font-size: 15px; color: #1f5fbf; cursor: pointer; }",
    ".item:hover { text-decoration: underline; }",
    ".snippet { display: block; margin-top: 2px; font-size: 13px; color: #4a5468; }",
    "mark { background: #fff1b8; color: inherit; }",
    ".badge { display: inline-block; margin-left: 6px; padding: 1px 6px; border-radius: 8px; background: #e8edf5; color: #3b4558; font-size: 12px; }",
    ".section { margin: 14px 0 0; }",
    ".list-view, .article-view, .answer-view { margin-top: 12px; }",
    ".muted { color: #4a5468; font-size: 14px; }",
    ".row { display: flex; gap: 8px; margin-top: 8px; flex-wrap: wrap; }",
    ".btn { min-height: 40px; padding: 0 14px; border: 1px solid #1f5fbf; border-radius: 6px; background: #1f5fbf; color: #fff; font-size: 15px; cursor: pointer; }",
    ".btn.secondary { background: #fff; color: #1f5fbf; }",
    ".btn[disabled], .btn[aria-disabled] { opacity: .6; cursor: default; }",
    ".link { color: #1f5fbf; }",
    ".back { padding: 6px 0; border: 0; background: none; color: #1f5fbf; font-size: 14px; cursor: pointer; }",
    ".article-body { font-size: 15px; line-height: 1.55; overflow-wrap: anywhere; }",
    ".article-body img { max-width: 100%; height: auto; }",
    ".article-body table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; }",
    ".article-body td, .article-body th { padding: 4px 6px; border: 1px solid #d5dbe5; }",
    ".article-body pre { overflow-x: auto; padding: 8px; background: #f4f6fa; }",
    ".article-body h1, .article-body h2, .article-body h3, .article-body h4 { font-size: 16px; margin: 14px 0 6px; }",
    ".answer { padding: 10px 12px; border-left: 4px solid #1f5fbf; background: #f4f7fc; border-radius: 4px; }",
    ".passage { margin: 6px 0; white-space: pre-line; }",
    ".conversation { list-style: none; margin: 8px 0; padding: 0; }",
    ".message { margin: 6px 0; padding: 8px 10px; border-radius: 8px; background: #f1f3f7; border: 0; }",
    ".message.from-agent { background: #e8f0fc; }",
    ".message-body p { margin: 4px 0 0; }",
    ".ask { border-top: 1px solid #e3e7ee; padding: 12px 16px; background: #fafbfd; }",
    ".error { color: #a11d1d; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); white-space: nowrap; border: 0; }",
    "@media (max-width: 480px) {",
    "  .panel { inset: 0; right: 0; bottom: 0; width: 100vw; max-width: 100vw; height: 100%; border-radius: 0; }",
    "  .launcher { right: 12px; bottom: 12px; }",
    "}",
  ].join("\n");

  var strings = {};
  var shown = []; // ids of the articles the customer was shown (sent with a ticket)
  var lastQuestion = "";
  // A button is never disabled while it may hold focus: a disabled focused button drops
  // focus to the host page, out of the dialog (Esc and the Tab trap stop working).
  var asking = false;
  var lastAnswer = null;

  // -- small DOM helpers: text only, never markup -------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "on") Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function t(key) { return strings[key] || key; }
  function absolute(url) {
    try { return new URL(url, BASE).href; } catch (e) { return BASE; }
  }
  function safeHref(url) {
    var href = absolute(url);
    return /^(https?:|mailto:)/i.test(href) ? href : BASE;
  }

  // A search snippet is escaped text with <mark> around matched words: keep those two.
  function snippetNode(html) {
    var out = el("span", { class: "snippet" });
    var parsed = new DOMParser().parseFromString("<body>" + (html || "") + "</body>", "text/html");
    parsed.body.childNodes.forEach(function (node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") out.appendChild(el("mark", { text: node.textContent }));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  // The article's HTML was sanitized by the server's one renderer; it is parsed inertly
  // (DOMParser runs no script and loads nothing) and its elements copied in, with links
  // and images made absolute to the help center and links opened in a new tab.
  var KEEP_ATTRS = { href: 1, src: 1, alt: 1, title: 1, id: 1, colspan: 1, rowspan: 1, lang: 1, start: 1 };
  function copySanitized(source, target) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) { target.appendChild(document.createTextNode(node.textContent)); return; }
      if (node.nodeType !== 1) return;
      var tag = node.nodeName.toLowerCase();
      if (tag === "script" || tag === "style" || tag === "iframe" || tag === "object") return;
      var copy = document.createElement(tag);
      Array.prototype.forEach.call(node.attributes, function (attr) {
        if (!KEEP_ATTRS[attr.name]) return;
        if (attr.name === "href") {
          var value = attr.value;
          if (value.charAt(0) === "#") return;
          copy.setAttribute("href", safeHref(value));
          copy.setAttribute("target", "_blank");
          copy.setAttribute("rel", "noopener noreferrer");
        } else if (attr.name === "src") {
          copy.setAttribute("src", safeHref(attr.value));
        } else {
          copy.setAttribute(attr.name, attr.value);
        }
      });
      copySanitized(node, copy);
      target.appendChild(copy);
    });
  }

  function api(path, options) {
    options = options || {};
    var init = { method: options.method || "GET", credentials: "omit", headers: {} };
    if (options.body) {
      init.body = JSON.stringify(options.body);
      init.headers["Content-Type"] = "application/json";
    }
    if (options.key) init.headers["Idempotency-Key"] = options.key;
    return fetch(API + path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(response.status === 429 ? t("too_many") : t("error"));
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  // -- the shadow root -------------------------------------------------------------
  var host = el("div", { id: "help-center-widget", "data-help-widget": "" });
  var shadow = host.attachShadow({ mode: "open" });
  shadow.appendChild(el("style", { text: STYLE }));
  var root = el("div", { class: "root", lang: LOCALE });
  shadow.appendChild(root);

  var launcher = el("button", {
    class: "launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-controls": "hc-panel", hidden: true,
  });
  var titleId = "hc-title";
  var closeButton = el("button", { class: "close", type: "button" }, ["×"]);
  var heading = el("h2", { id: titleId });
  var searchLabel = el("label", { for: "hc-search" });
  var searchInput = el("input", { id: "hc-search", type: "search", autocomplete: "off", maxlength: "500" });
  var status = el("p", { class: "sr-only", role: "status", "aria-live": "polite" });
  var listView = el("div", { class: "list-view" });
  var articleView = el("div", { class: "article-view", hidden: true });
  var body = el("div", { class: "body" }, [
    el("div", { role: "search" }, [searchLabel, searchInput]), status, listView, articleView,
  ]);
  var askLabel = el("label", { for: "hc-ask" });
  var askInput = el("textarea", { id: "hc-ask", rows: "2", maxlength: "500" });
  var askButton = el("button", { class: "btn", type: "submit" });
  var askForm = el("form", { class: "ask-form", novalidate: true }, [askLabel, askInput, el("div", { class: "row" }, [askButton])]);
  var answerView = el("div", { class: "answer-view", "aria-live": "polite", hidden: true });
  var panel = el("div", {
    class: "panel", id: "hc-panel", role: "dialog", "aria-modal": "true",
    "aria-labelledby": titleId, hidden: true,
  }, [
    el("header", {}, [heading, closeButton]),
    body,
    el("div", { class: "ask" }, [askForm]),
  ]);
  body.appendChild(answerView);
  root.appendChild(launcher);
  root.appendChild(panel);

  // -- open, close, keyboard ---------------------------------------------------------
  var FOCUSABLE = "button:not([disabled]), [href], input:not([disabled]), textarea:not([disabled]), select, [tabindex]:not([tabindex='-1'])";
  function focusables() {
    return Array.prototype.filter.call(panel.querySelectorAll(FOCUSABLE), function (node) {
      return !node.closest("[hidden]") && node.getClientRects().length > 0;
    });
  }
  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    searchInput.focus();
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key !== "Tab") return;
    var nodes = focusables();
    if (!nodes.length) return;
    var first = nodes[0], last = nodes[nodes.length - 1];
    var active = shadow.activeElement;
    if (event.shiftKey && (active === first || nodes.indexOf(active) < 0)) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (active === last || nodes.indexOf(active) < 0)) { event.preventDefault(); first.focus(); }
  });

  // -- lists and articles ---------------------------------------------------------------
  function noteShown(id) { if (shown.indexOf(id) < 0) shown.push(id); }
  function articleList(items, withSnippets) {
    var list = el("ul");
    items.forEach(function (item) {
      noteShown(item.id);
      var button = el("button", { class: "item", type: "button", "data-article": item.id, lang: item.locale }, [
        item.title,
        item.locale_name ? el("span", { class: "badge", text: item.locale_name }) : null,
        withSnippets && item.snippet ? snippetNode(item.snippet) : null,
      ]);
      button.addEventListener("click", function () { showArticle(item.id, item.anchor); });
      list.appendChild(el("li", {}, [button]));
    });
    return list;
  }
  var starting = { heading: "", items: [] };
  function showStarting() {
    clear(listView);
    listView.appendChild(el("h3", { text: starting.heading }));
    listView.appendChild(articleList(starting.items, false));
  }
  var views = { list: listView, article: articleView, answer: answerView };
  var current = "list", previous = "list";
  function showView(name) {
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    if (name !== "article") previous = name;
    current = name;
    body.scrollTop = 0;
  }
  function showList() { showView("list"); }
  function showArticle(id, anchor) {
    var returnTo = current === "article" ? previous : current;
    showView("article");
    previous = returnTo;
    clear(articleView);
    articleView.appendChild(el("p", { class: "muted", text: t("loading") }));
    api("/articles/" + encodeURIComponent(id) + "?locale=" + encodeURIComponent(LOCALE))
      .then(function (article) {
        clear(articleView);
        var back = el("button", { class: "back", type: "button", text: "← " + t("back") });
        back.addEventListener("click", function () {
          showView(previous);
          (previous === "answer" ? askInput : searchInput).focus();
        });
        var content = el("div", { class: "article-body", lang: article.locale });
        var parsed = new DOMParser().parseFromString(article.html || "", "text/html");
        copySanitized(parsed.body, content);
        var link = el("a", {
          class: "link", href: safeHref(article.url + (anchor ? "#" + anchor : "")),
          target: "_blank", rel: "noopener",
        }, [t("full_article") + " ", el("span", { class: "sr-only", text: t("opens_new_tab") })]);
        var title = el("h3", { tabindex: "-1", lang: article.locale, text: article.title });
        articleView.appendChild(back);
        articleView.appendChild(title);
        if (article.fallback && article.locale_name) {
          title.appendChild(el("span", { class: "badge", text: article.locale_name }));
        }
        articleView.appendChild(content);
        articleView.appendChild(el("p", {}, [link]));
        title.focus();
        // An answer's or a result's section: scroll the panel to its heading.
        var section = anchor ? content.querySelector("[id='" + anchor.replace(/['\\]/g, "") + "']") : null;
        if (section) section.scrollIntoView({ block: "start" });
      })
      .catch(function (error) {
        clear(articleView);
        articleView.appendChild(el("p", { class: "error", role: "alert", text: error.message }));
      });
  }

  var searchTimer = null, searchSeq = 0;
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });
  function runSearch() {
    var query = searchInput.value.trim();
    showList();
    if (!query) { showStarting(); status.textContent = ""; return; }
    var seq = ++searchSeq;
    api("/search?suggest=1&limit=5&locale=" + encodeURIComponent(LOCALE) + "&q=" + encodeURIComponent(query))
      .then(function (data) {
        if (seq !== searchSeq) return; // an older answer arriving late
        clear(listView);
        listView.appendChild(el("h3", { text: t("results") }));
        var items = (data.results || []).map(function (hit) {
          return {
            id: hit.id, locale: hit.locale, title: hit.title, snippet: hit.snippet,
            locale_name: hit.locale !== LOCALE ? hit.locale_name : null,
            anchor: (hit.url.split("#")[1] || ""),
          };
        });
        if (items.length) listView.appendChild(articleList(items, true));
        else listView.appendChild(el("p", { class: "muted", text: t("no_results") }));
        status.textContent = items.length ? t("results") + ": " + items.length : t("no_results");
      })
      .catch(function (error) {
        if (seq !== searchSeq) return;
        clear(listView);
        listView.appendChild(el("p", { class: "error", role: "alert", text: error.message }));
      });
  }

  // -- the ask box (the answer bot, then a person) ------------------------------------
  askForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = askInput.value.trim();
    if (!question) { askInput.focus(); return; }
    ask(question);
  });
  function ask(question) {
    if (asking) return;
    asking = true;
    lastQuestion = question;
    askButton.setAttribute("aria-disabled", "true");
    showView("answer");
    clear(answerView);
    answerView.appendChild(el("p", { class: "muted", text: t("loading") }));
    api("/answers", { method: "POST", body: { question: question, locale: LOCALE } })
      .then(showAnswer)
      .catch(function (error) {
        clear(answerView);
        answerView.appendChild(el("p", { class: "error", role: "alert", text: error.message }));
      })
      .then(function () {
        asking = false;
        askButton.removeAttribute("aria-disabled");
        answerView.setAttribute("tabindex", "-1");
        answerView.focus();  // the answer (or the error) is where the reader goes next
      });
  }
  function showAnswer(data) {
    lastAnswer = data;
    clear(answerView);
    var toList = el("button", { class: "back", type: "button", text: "← " + t("back") });
    toList.addEventListener("click", function () { showList(); searchInput.focus(); });
    answerView.appendChild(toList);
    var box = el("div", { class: "answer section" });
    if (data.answered && data.answer) {
      var answer = data.answer;
      noteShown(answer.id);
      box.appendChild(el("h3", { text: t("answer_heading") }));
      var title = el("p", { class: "answer-title", lang: answer.locale }, [
        el("strong", { text: answer.heading || answer.title }),
        answer.locale_name ? el("span", { class: "badge", text: answer.locale_name }) : null,
      ]);
      box.appendChild(title);
      box.appendChild(el("p", { class: "passage", lang: answer.locale, text: answer.passage }));
      var read = el("button", { class: "back", type: "button", text: answer.title + " →" });
      read.addEventListener("click", function () { showArticle(answer.id, answer.anchor); });
      box.appendChild(read);
      box.appendChild(el("p", {}, [el("a", {
        class: "link", href: safeHref(answer.url), target: "_blank", rel: "noopener",
      }, [t("full_article") + " ", el("span", { class: "sr-only", text: t("opens_new_tab") })])]));
    } else {
      box.appendChild(el("p", { class: "no-answer", text: t("no_answer") }));
    }
    answerView.appendChild(box);
    if (data.more && data.more.length) {
      answerView.appendChild(el("h3", { class: "section", text: t("more_articles") }));
      answerView.appendChild(articleList(data.more, false));
    }
    if (data.answered) {
      var yes = el("button", { class: "btn secondary", type: "button", text: t("yes") });
      var no = el("button", { class: "btn secondary", type: "button", text: t("no") });
      var feedback = el("div", { class: "feedback section", role: "group", "aria-labelledby": "hc-helpful" }, [
        el("p", { id: "hc-helpful", text: t("helpful_question") }), el("div", { class: "row" }, [yes, no]),
      ]);
      yes.addEventListener("click", function () { sayHelpful(feedback); });
      no.addEventListener("click", function () { offerPerson(feedback); });
      answerView.appendChild(feedback);
    } else {
      offerPerson(null);
    }
  }
  function sayHelpful(feedback) {
    var answer = lastAnswer.answer;
    api("/answers/feedback", {
      method: "POST",
      body: { question: lastQuestion, locale: LOCALE, article_id: answer.id, article_locale: answer.locale, helpful: true },
    }).catch(function () {}); // the thanks stands even if the count failed
    clear(feedback);
    feedback.appendChild(el("p", { class: "thanks", role: "status", text: t("thanks") }));
  }
  function offerPerson(feedback) {
    var target = feedback || answerView;
    if (feedback) clear(feedback);
    var talk = el("button", { class: "btn", type: "button", text: t("talk") });
    talk.addEventListener("click", function () { contactForm(talk.parentNode); });
    target.appendChild(el("div", { class: "row section" }, [talk]));
    if (feedback) talk.focus();
  }
  function field(id, label, input) {
    input.id = id;
    return el("div", { class: "section" }, [el("label", { for: id, text: label }), input]);
  }
  function contactForm(container) {
    clear(container);
    container.className = "section"; // the form and the conversation take the full width
    var key = Math.random().toString(36).slice(2) + Date.now().toString(36);
    var name = el("input", { type: "text", autocomplete: "name", required: true, maxlength: "120" });
    var email = el("input", { type: "email", autocomplete: "email", required: true, maxlength: "254" });
    var message = el("textarea", { rows: "3", required: true, maxlength: "5000" });
    message.value = lastQuestion;
    var send = el("button", { class: "btn", type: "submit", text: t("send") });
    var errors = el("div", { class: "error", role: "alert" });
    var form = el("form", { class: "contact-form", novalidate: true }, [
      el("p", { class: "muted", text: t("contact_intro") }),
      field("hc-name", t("name"), name), field("hc-email", t("email"), email),
      field("hc-message", t("message"), message), errors, el("div", { class: "row" }, [send]),
    ]);
    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      sending = true;
      send.setAttribute("aria-disabled", "true");
      clear(errors);
      var text = message.value.trim();
      api("/tickets", {
        method: "POST", key: key,
        body: {
          name: name.value.trim(), email: email.value.trim(),
          subject: text.split("\n")[0].slice(0, 120), description: text,
          locale: LOCALE, channel: "widget", articles_shown: shown.slice(0, 20),
        },
      }).then(function (data) {
        clear(container);
        var sent = el("p", { class: "sent", role: "status", tabindex: "-1", text: t("sent").replace("{reference}", data.reference) });
        container.appendChild(sent);
        sent.focus();
        container.appendChild(el("p", {}, [el("a", { class: "link", href: safeHref(data.url), target: "_blank", rel: "noopener", text: t("follow") })]));
        var token = String(data.url || "").split("/tickets/")[1];
        if (token && window.EventSource) conversation(container, token.split(/[?#]/)[0]);
      }).catch(function (error) {
        sending = false;
        send.removeAttribute("aria-disabled");
        var fieldErrors = (error.data && error.data.errors) || {};
        var names = Object.keys(fieldErrors);
        if (!names.length) errors.appendChild(el("p", { text: error.message }));
        names.forEach(function (n) { errors.appendChild(el("p", { text: fieldErrors[n] })); });
      });
    });
    container.appendChild(form);
    name.focus();
  }

  // -- the conversation, live (Server-Sent Events; EventSource resumes by itself) -------
  function conversation(container, token) {
    var path = "/tickets/" + encodeURIComponent(token);
    var log = el("ol", { class: "conversation", "aria-live": "polite", "aria-label": t("conversation") });
    var seen = {};
    var input = el("textarea", { id: "hc-more", rows: "2", maxlength: "5000" });
    var send = el("button", { class: "btn", type: "submit", text: t("send_more") });
    var form = el("form", { class: "more-form", novalidate: true }, [
      el("label", { for: "hc-more", text: t("write_more") }), input, el("div", { class: "row" }, [send]),
    ]);
    container.appendChild(el("h3", { class: "section", text: t("conversation") }));
    container.appendChild(el("p", { class: "muted", text: t("live_note") }));
    container.appendChild(log);
    container.appendChild(form);
    var source = new EventSource(API + path + "/events");
    source.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (seen[data.id]) return;
      seen[data.id] = true;
      var body = el("div", { class: "message-body" });
      copySanitized(new DOMParser().parseFromString(data.html || "", "text/html").body, body);
      log.appendChild(el("li", { class: "message " + (data.author === "agent" ? "from-agent" : "from-customer") }, [
        el("strong", { text: data.author === "agent" ? t("support") : t("you") }), body,
      ]));
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text || send.getAttribute("aria-disabled")) { input.focus(); return; }
      send.setAttribute("aria-disabled", "true");
      api(path + "/messages", { method: "POST", body: { body: text } })
        .then(function () { input.value = ""; })
        .catch(function (error) { form.appendChild(el("p", { class: "error", role: "alert", text: error.message })); })
        .then(function () { send.removeAttribute("aria-disabled"); input.focus(); });
    });
  }

  // -- start --------------------------------------------------------------------------
  function start() {
    document.body.appendChild(host);
    var query = "/widget?locale=" + encodeURIComponent(LOCALE) + (CONTEXT ? "&context=" + encodeURIComponent(CONTEXT) : "");
    api(query).then(function (data) {
      strings = data.strings || {};
      LOCALE = data.locale || LOCALE;
      root.setAttribute("lang", LOCALE);
      launcher.textContent = t("launcher");
      closeButton.setAttribute("aria-label", t("close"));
      heading.textContent = t("title");
      searchLabel.textContent = t("search_label");
      searchInput.setAttribute("placeholder", t("search_placeholder"));
      askLabel.textContent = t("ask_label");
      askInput.setAttribute("placeholder", t("ask_placeholder"));
      askButton.textContent = t("ask_button");
      starting = { heading: data.listing === "popular" ? t("popular") : t("results"), items: data.articles || [] };
      showStarting();
      launcher.hidden = false;
    }).catch(function () { /* the help center is unreachable: show no broken button */ });
  }

  window.HelpWidget = {
    open: open,
    close: close,
    search: function (words) { open(); searchInput.value = String(words || ""); runSearch(); },
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
