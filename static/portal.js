// SEND Portal's one script: GOV.UK Frontend components, the CSRF header for htmx, autosave status.
// Everything works without it; it only makes pages quicker to use.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

const csrf = document.querySelector('meta[name="csrf-token"]');

document.addEventListener("htmx:config:request", (event) => {
  // Every htmx request carries the CSRF token (flask-wtf reads X-CSRFToken).
  if (csrf) event.detail.ctx.request.headers["X-CSRFToken"] = csrf.content;
  // Form steps: autosave and Add More never carry chosen files; Upload, Save & Continue and Back
  // (the step navigation, which swaps #form-step) send them.
  const { form, body } = event.detail.ctx.request;
  const source = event.detail.ctx.sourceElement;
  const navigates = source instanceof Element && source.getAttribute("hx-target") === "#form-step";
  if (form && form.hasAttribute("data-portal-autosave") && body instanceof FormData && !navigates) {
    for (const [name, value] of [...body.entries()]) if (value instanceof File) body.delete(name);
  }
});

document.addEventListener("htmx:before:request", (event) => {
  // What asked (the button may be swapped out before htmx:after:swap): for focus afterwards.
  const asked = event.detail.ctx.sourceElement;
  if (asked instanceof Element) {
    event.detail.ctx.portalAsked = { name: asked.getAttribute("name"), text: asked.textContent };
  }
  // Form steps: autosave, Add More and Remove share the form's queue (hx-sync), so a request that
  // waited behind another must carry the version that one's answer brought (#form-version,
  // swapped in out of band), not the one read when it was queued - else a spurious 409.
  const { form, body } = event.detail.ctx.request;
  const version = document.getElementById("form-version");
  if (form && form.hasAttribute("data-portal-autosave") && body instanceof FormData && version) {
    body.set("version", version.value);
  }
});

function swappedRoot(target) {
  // An outerHTML swap leaves ctx.target detached: its replacement has the same id.
  if (!(target instanceof Element)) return document.body;
  if (target.isConnected) return target;
  return (target.id && document.getElementById(target.id)) || document.body;
}

document.addEventListener("htmx:after:swap", (event) => {
  // Swapped-in markup gets its GOV.UK behaviour too (error summary focus, radios, tabs...).
  const target = event.detail && event.detail.ctx && event.detail.ctx.target;
  const root = swappedRoot(target);
  if (root !== document.body) initAll({ scope: root });
  const summary = root.querySelector(".govuk-error-summary");
  if (summary) summary.focus();
  else if (afterRows(event.detail.ctx.portalAsked, root)) {
    // Add More / Remove: focus and announcement done
  } else if (root.id === "register-step") {
    focusHeading(root.querySelector("h2")); // the next registration step
  } else if (root.id === "forms-panel") {
    focusHeading(root.querySelector("h2")); // a tab switch: its panel's heading (title came along)
  } else if (root.id === "designer-main") {
    focusHeading(root.querySelector("h1")); // the form designer: the page it swapped in
  } else if (root.id === "form-step") {
    // A new step: focus its heading (the title came with the fragment's <title>).
    const heading = root.querySelector("#step-heading");
    if (heading) heading.focus();
  }
});

function focusHeading(heading) {
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}

function announce(form, words) {
  const line = form && form.querySelector('[role="status"]');
  if (line) line.textContent = words;
}

// Add More: focus the new row's legend, "Parent/Carer 2 added"; Remove: focus Add More,
// "Parent/Carer 2 removed" (the button's own words say which row it was).
function afterRows(source, root) {
  if (!source || !root.id.startsWith("rows-")) return false;
  const form = root.closest("form");
  if (source.name === "add") {
    const legends = root.querySelectorAll(".portal-row > legend");
    const legend = legends[legends.length - 1];
    focusHeading(legend);
    if (legend) announce(form, `${legend.textContent.trim()} added`);
    return true;
  }
  if (source.name === "remove") {
    const label = source.text.replace(/^\s*Remove\s*/, "").trim();
    const add = document.querySelector(`#add-more-${root.id.slice(5)} button`);
    if (add) add.focus();
    announce(form, `${label} removed`);
    return true;
  }
  return false;
}

// DESIGN.md §12: a failed htmx request says "Not saved — why" in the status line of the form
// that asked; the page (and everything typed on it) stays as it is.
function statusLineFor(source) {
  const form = source instanceof Element ? source.closest("form") : null;
  const line = (form && form.querySelector('[role="status"]')) || document.getElementById("portal-status");
  if (line) return line;
  const made = document.createElement("p");
  made.id = "portal-status";
  made.className = "govuk-body-s portal-status";
  made.setAttribute("role", "alert");
  (document.getElementById("main-content") || document.body).prepend(made);
  return made;
}

document.addEventListener("htmx:response:error", (event) => {
  const ctx = event.detail.ctx;
  if (!ctx.response.headers.get("X-Portal-Failure")) return;
  ctx.target = statusLineFor(ctx.sourceElement);
  ctx.swap = "innerHTML";
});

document.addEventListener("htmx:error", (event) => {
  const ctx = event.detail && event.detail.ctx;
  if (!ctx || ctx.response) return; // a response came: the server said why
  const line = statusLineFor(ctx.sourceElement);
  line.innerHTML = "";
  const words = document.createElement("strong");
  words.className = "portal-status__failure";
  words.textContent = "Not saved — you appear to be offline; your answers are still on this page";
  line.append(words);
});

// The GOV.UK timeout warning (forms/_timeout_warning.html): a dialog shortly before the session
// would end; "Stay signed in" is an htmx POST, and any htmx request (an autosave...) starts the
// count again. When the time is up the dialog says so: the page and its answers stay.
const timeout = document.querySelector("[data-portal-timeout]");
if (timeout) {
  const dialog = timeout.querySelector("dialog");
  const countdown = timeout.querySelector("[data-portal-countdown]");
  const idle = Number(timeout.dataset.idleSeconds) * 1000;
  const warn = Number(timeout.dataset.warnSeconds) * 1000;
  let lastActive = Date.now();
  const words = (ms) => {
    const seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };
  const tick = () => {
    const left = idle - (Date.now() - lastActive);
    if (left <= 0) {
      if (dialog.open) dialog.close();
      const line = statusLineFor(document.querySelector("form.portal-step-form"));
      line.textContent = "You have been signed out. Your answers are still on this page: "
        + "Save & Continue keeps them until you sign in again.";
      return;
    }
    if (left <= warn) {
      countdown.textContent = words(left);
      if (!dialog.open) {
        dialog.showModal();
        timeout.querySelector("[data-portal-stay]").focus();
      }
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
  document.addEventListener("htmx:after:request", (event) => {
    const response = event.detail.ctx && event.detail.ctx.response;
    if (!response || response.status === 401) return;
    lastActive = Date.now(); // the server saw us: the session goes on
    if (dialog.open) dialog.close();
  });
}

// Live show_if (forms/_field.html): a follow-up question is hidden until the answer it depends
// on (same step, same row) is one of its values. Without JS it shows with "Only needed if...".
function answersOf(form, name) {
  return [...form.elements].filter((e) => e.name === name && e.type !== "hidden"
    && (!["radio", "checkbox"].includes(e.type) || e.checked)).map((e) => e.value);
}

function showConditionals(scope) {
  for (const box of scope.querySelectorAll("[data-show-if]")) {
    const form = box.closest("form");
    if (!form) continue;
    const wanted = JSON.parse(box.dataset.showIfValues);
    box.hidden = !answersOf(form, box.dataset.showIf).some((v) => wanted.includes(v));
  }
}

showConditionals(document);
document.addEventListener("change", (event) => {
  if (event.target.form) showConditionals(event.target.form);
});
document.addEventListener("htmx:after:swap", () => showConditionals(document));
