// SEND Portal's one script: GOV.UK Frontend components, the CSRF header for htmx, autosave status.
// Everything works without it; it only makes pages quicker to use.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

const csrf = document.querySelector('meta[name="csrf-token"]');

document.addEventListener("htmx:config:request", (event) => {
  // Every htmx request carries the CSRF token (flask-wtf reads X-CSRFToken).
  if (csrf) event.detail.ctx.request.headers["X-CSRFToken"] = csrf.content;
  // Form steps: autosave and Add More never carry chosen files; only the Upload button sends them.
  const { form, body } = event.detail.ctx.request;
  if (form && form.hasAttribute("data-portal-autosave") && body instanceof FormData) {
    for (const [name, value] of [...body.entries()]) if (value instanceof File) body.delete(name);
  }
});

document.addEventListener("htmx:before:request", (event) => {
  // Form steps: autosave, Add More and Remove share the form's queue (hx-sync), so a request that
  // waited behind another must carry the version that one's answer brought (#form-version,
  // swapped in out of band), not the one read when it was queued - else a spurious 409.
  const { form, body } = event.detail.ctx.request;
  const version = document.getElementById("form-version");
  if (form && form.hasAttribute("data-portal-autosave") && body instanceof FormData && version) {
    body.set("version", version.value);
  }
});

document.addEventListener("htmx:after:swap", (event) => {
  // Swapped-in markup gets its GOV.UK behaviour too (error summary focus, radios, tabs...).
  const target = event.detail && event.detail.ctx && event.detail.ctx.target;
  initAll({ scope: target instanceof Element ? target : document.body });
  const summary = document.querySelector(".govuk-error-summary");
  if (summary) summary.focus();
});
