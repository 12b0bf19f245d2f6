// Keyboard-first triage: j/k move, a accept, x reject, space skip, b later, f firm link, t tag,
// n note, u undo, o open, / search, ? help. Every change is a POST with the page's CSRF token;
// the server answers JSON. No text from the server is ever inserted as HTML (textContent only).
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const stories = () => Array.from(document.querySelectorAll("article.story"));
  let current = null;

  function flash(message, isError) {
    const box = document.getElementById("flash");
    if (!box) return;
    box.textContent = message;
    box.className = "flash" + (isError ? " error" : "");
  }

  function focusStory(story) {
    if (!story) return;
    if (current) current.classList.remove("current");
    current = story;
    story.classList.add("current");
    story.focus({ preventScroll: true });
    if (story === stories()[0]) window.scrollTo(0, 0);   // keep the filters in view at the top
    else story.scrollIntoView({ block: "nearest" });
    history.replaceState(null, "", "#" + story.id);
  }

  function move(step) {
    const all = stories();
    if (!all.length) return;
    const index = current ? all.indexOf(current) : -1;
    focusStory(all[Math.min(all.length - 1, Math.max(0, index + step))]);
  }

  function nextOpen() {
    const all = stories();
    const after = all.slice(all.indexOf(current) + 1).concat(all.slice(0, all.indexOf(current)));
    const next = after.find((s) => !s.classList.contains("decided"));
    if (next) focusStory(next);
    else flash("Every story on this page is done: reload (r) for the next ones.");
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      body: data,
      credentials: "same-origin",
    });
    let body = {};
    try { body = await response.json(); } catch (e) { body = { error: response.statusText }; }
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function decide(story, action) {
    const form = story.querySelector("form.decide");
    const data = new FormData(form);
    data.set("action", action);
    try {
      const body = await post(form.getAttribute("action"), data);
      const status = body.result ? body.result.status : story.dataset.status;
      story.dataset.status = status;
      story.querySelector("[data-role=status]").textContent = action === "skip" ? "skipped" : status;
      form.querySelector("[name=expected_status]").value = status;
      if (action !== "bookmark") story.classList.add("decided");
      story.classList.add("status-" + (action === "skip" ? "skipped" : status));
      flash(action === "skip" ? "Skipped." : "Marked " + status + ".");
      nextOpen();
    } catch (error) {
      flash(error.message, true);
    }
  }

  async function submitAndReload(story, form) {
    try {
      await post(form.getAttribute("action"), new FormData(form));
      location.hash = story ? story.id : "";
      location.reload();
    } catch (error) {
      flash(error.message, true);
    }
  }

  function openForm(story, selector, focusSelector) {
    const form = story.querySelector(selector);
    form.hidden = false;
    form.querySelector(focusSelector).focus();
    return form;
  }

  function closeForms() {
    document.querySelectorAll("form.correct, form.tag-form, form.note-form").forEach((f) => { f.hidden = true; });
    document.getElementById("help").hidden = true;
    if (current) current.focus({ preventScroll: true });
  }

  let searchTimer = null;
  async function searchFirms(form) {
    const text = form.querySelector(".firm-search").value;
    const results = form.querySelector(".firm-results");
    const response = await fetch("/firms?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } });
    const body = await response.json();
    results.replaceChildren();
    const none = new Option("not a tracked firm", "");
    results.add(none);
    for (const firm of body.firms) {
      results.add(new Option(firm.name + " (" + firm.id + ", " + (firm.sector || "no sector") + ")", firm.id));
    }
    results.selectedIndex = body.firms.length ? 1 : 0;
  }

  function wireForms() {
    document.querySelectorAll("form.correct").forEach((form) => {
      const input = form.querySelector(".firm-search");
      const results = form.querySelector(".firm-results");
      input.addEventListener("input", () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => searchFirms(form), 150);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          const step = event.key === "ArrowDown" ? 1 : -1;
          results.selectedIndex = Math.min(results.options.length - 1, Math.max(0, results.selectedIndex + step));
        }
      });
    });
    document.querySelectorAll("form.correct, form.tag-form, form.note-form, .tags form").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        submitAndReload(form.closest("article.story"), form);
      });
    });
    document.querySelectorAll("form.note-form textarea").forEach((area) => {
      area.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          area.form.requestSubmit();
        }
      });
    });
    document.querySelectorAll("form.decide").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const action = event.submitter ? event.submitter.value : "accept";
        const story = form.closest("article.story");
        focusStory(story);
        if (action === "reject" && !form.querySelector(".reason").value.trim()) {
          form.querySelector(".reason").focus();
          flash("Type the reason to reject, then Enter.", true);
          return;
        }
        decide(story, action);
      });
      form.querySelector(".reason").addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          if (event.target.value.trim()) decide(form.closest("article.story"), "reject");
        }
      });
    });
  }

  function typing(target) {
    return target.matches("input, textarea, select") || target.isContentEditable;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closeForms(); return; }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const story = current;
    const keys = {
      j: () => move(1),
      k: () => move(-1),
      a: () => story && decide(story, "accept"),
      " ": () => story && decide(story, "skip"),
      b: () => story && decide(story, "bookmark"),
      x: () => story && story.querySelector("form.decide .reason").focus(),
      f: () => story && story.querySelector("form.correct select.link-choice option") &&
        openForm(story, "form.correct", ".link-choice"),
      t: () => story && openForm(story, "form.tag-form", "[name=value]"),
      n: () => story && openForm(story, "form.note-form", "textarea"),
      u: () => undo(),
      o: () => { const link = story && story.querySelector("h2 a"); if (link) window.open(link.href, "_blank", "noopener"); },
      r: () => location.reload(),
      "/": () => document.getElementById("search").focus(),
      "?": () => { const help = document.getElementById("help"); help.hidden = !help.hidden; },
    };
    const handler = keys[event.key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  });

  async function undo() {
    const data = new FormData();
    try {
      const body = await post("/undo", data);
      flash("Undid " + body.result.action + ".");
      location.hash = "story-" + body.result.article_id;
      location.reload();
    } catch (error) {
      flash(error.message, true);
    }
  }

  // Keep this page's stories leased to this researcher while the page is open.
  setInterval(() => { post("/leases/renew", new FormData()).catch(() => {}); }, 120000);

  wireForms();
  const fromHash = location.hash && document.getElementById(location.hash.slice(1));
  focusStory(fromHash && fromHash.matches("article.story") ? fromHash : stories()[0]);
})();
