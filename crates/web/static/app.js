// Ribambelle — small enhancements; every page works without them.
"use strict";

// The phone menu: the link to #menu becomes a toggle button with its state announced.
function enhanceMenu() {
  const button = document.querySelector(".menu-button");
  const menu = document.getElementById("menu");
  if (!button || !menu) return;
  button.setAttribute("role", "button");
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const open = menu.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
    if (open) menu.querySelector("a")?.focus();
  });
  menu.querySelector(".menu-close")?.addEventListener("click", (event) => {
    event.preventDefault();
    menu.classList.remove("open");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });
}

// The CNIL count the server applies: length × log2(size of the classes used).
function cnilBits(password) {
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(password)) pool += 37;
  return pool === 0 ? 0 : [...password].length * Math.log2(pool);
}

// Password rules ticked as the family types; the server checks them again (and the
// common-password and personal-information rules, which only it can judge fully).
function enhancePasswordRules() {
  const list = document.querySelector("[data-password-rules]");
  const input = document.getElementById("nouveau");
  if (!list || !input) return;
  const min = Number(list.dataset.minLength);
  const max = Number(list.dataset.maxLength);
  const bits = Number(list.dataset.minBits);
  const items = list.querySelectorAll("li");
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  list.after(status);
  const mark = (item, ok) => {
    item.dataset.state = ok ? "ok" : "ko";
    let note = item.querySelector(".rule-state");
    if (!note) {
      note = document.createElement("span");
      note.className = "rule-state visually-hidden";
      item.append(note);
    }
    note.textContent = ok ? " (règle respectée)" : " (règle non respectée)";
  };
  input.addEventListener("input", () => {
    const value = input.value;
    const length = [...value].length;
    mark(items[0], length >= min && length <= max);
    mark(items[1], cnilBits(value) >= bits);
    const done = [...items].slice(0, 2).filter((i) => i.dataset.state === "ok").length;
    status.textContent = `${done} règle${done > 1 ? "s" : ""} sur 2 vérifiable${done > 1 ? "s" : ""} ici respectée${done > 1 ? "s" : ""}.`;
  });
}

// Switching structure is deliberately left to the form's « Changer » button: submitting
// on "change" would leave the page as soon as a keyboard user arrows through the options
// (WCAG 3.2.2 On Input), and a visually hidden button would still take the focus unseen.

// Two minutes before the session ends, offer to keep it alive.
function sessionWarning() {
  const left = document.querySelector('meta[name="session-seconds-left"]');
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const banner = document.getElementById("session-warning");
  if (!left || !csrf || !banner) return;
  let timers = [];
  const schedule = (seconds) => {
    timers.forEach(clearTimeout);
    timers = [
      setTimeout(warn, Math.max(0, seconds - 120) * 1000),
      setTimeout(expired, seconds * 1000),
    ];
  };
  const warn = () => {
    banner.replaceChildren("Votre session va expirer dans 2 minutes. ");
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button small";
    keep.textContent = "Rester connecté";
    keep.addEventListener("click", async () => {
      const response = await fetch("/session/prolonger", {
        method: "POST",
        headers: { "X-CSRF-Token": csrf.content },
        credentials: "same-origin",
      });
      if (response.ok) {
        banner.hidden = true;
        schedule(30 * 60);
      } else {
        expired();
      }
    });
    banner.append(keep);
    banner.hidden = false;
  };
  const expired = () => {
    banner.replaceChildren("Votre session a expiré. ");
    const link = document.createElement("a");
    link.href = "/connexion";
    link.textContent = "Se reconnecter";
    banner.append(link);
    banner.hidden = false;
  };
  schedule(Number(left.content));
}

// Puts `fresh` in the place of `current` but keeps the node `keep` (inside `current`) in
// the document: it takes the content of `freshKeep` (its counterpart inside `fresh`).
// Screen readers announce the changes of a live region only if the region itself stays.
function swapKeeping(current, fresh, keep, freshKeep) {
  let old = keep;
  let replacement = freshKeep;
  while (old !== current) {
    const oldParent = old.parentNode;
    const newParent = replacement.parentNode;
    if (!oldParent || !newParent) return false;
    [...oldParent.childNodes].forEach((node) => node !== old && node.remove());
    const siblings = [...newParent.childNodes];
    const at = siblings.indexOf(replacement);
    old.before(...siblings.slice(0, at));
    old.after(...siblings.slice(at + 1));
    old = oldParent;
    replacement = newParent;
  }
  keep.replaceChildren(...freshKeep.childNodes);
  keep.className = freshKeep.className;
  return true;
}

// The calendar answers at once: a click posts the same form as without scripts, and the
// calendar part of the page returned replaces the current one, focus kept on the control.
// The pending bar (a status region) stays in place and announces the new count.
function enhanceCalendar() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-calendar") || form.dataset.plain) return;
    const submitter = event.submitter;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form, submitter));
    try {
      const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("calendrier");
      const current = document.getElementById("calendrier");
      if (!fresh || !current) throw new Error("no calendar");
      const bar = current.querySelector(".pending-bar");
      const freshBar = fresh.querySelector(".pending-bar");
      let shown = fresh;
      if (bar && freshBar && swapKeeping(current, fresh, bar, freshBar)) {
        shown = current;
      } else {
        current.replaceWith(fresh);
      }
      if (submitter?.name) {
        const again = shown.querySelector(`button[name="${submitter.name}"][value="${submitter.value}"]`);
        (again || shown.querySelector("h2"))?.focus();
      }
    } catch {
      // Whatever went wrong, the plain form still works.
      form.dataset.plain = "1";
      form.requestSubmit(submitter);
    }
  });
}

// « Imprimer »: a button only where the browser can print, hidden without scripts.
function enhancePrintButtons() {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

document.addEventListener("DOMContentLoaded", () => {
  enhanceCalendar();
  enhancePrintButtons();
  enhanceMenu();
  enhancePasswordRules();
  sessionWarning();
});
