// htmx requests carry the CSRF token from the page's meta tag.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// The log form asks for a direction only where one makes sense (not for notes).
function rapportSyncDirection(root) {
  root.querySelectorAll("form[data-log-form]").forEach((form) => {
    const kind = form.querySelector("select[name=kind]");
    const direction = form.querySelector("[data-direction]");
    if (kind && direction) direction.hidden = kind.value === "note";
  });
}
document.addEventListener("change", (event) => {
  if (event.target.matches("form[data-log-form] select[name=kind]")) {
    rapportSyncDirection(document);
  }
});
document.addEventListener("DOMContentLoaded", () => rapportSyncDirection(document));
document.addEventListener("htmx:load", (event) => rapportSyncDirection(event.target));

// A new account starts in the browser's own time zone (the person can still pick another).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[data-guess-timezone]");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select && select.value === "UTC" && zone && select.querySelector(`option[value="${CSS.escape(zone)}"]`)) {
    select.value = zone;
  }
});
