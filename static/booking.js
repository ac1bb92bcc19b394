// Booking pages show times in the visitor's own zone: the browser knows it, the server does
// not. Without JavaScript the zone select and its "Show times" button do the same job.
(() => {
  function detectZone() {
    const form = document.querySelector("form[data-zone-form]");
    if (!form) return;
    form.querySelectorAll("[data-no-js]").forEach((element) => { element.hidden = true; });
    if (form.dataset.zoneChosen === "1") return;
    form.dataset.zoneChosen = "1";
    const select = form.querySelector("select[name=tz]");
    const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!select || !detected || detected === select.value) return;
    if (![...select.options].some((option) => option.value === detected)) {
      select.add(new Option(detected.replaceAll("_", " "), detected));
    }
    select.value = detected;
    if (window.htmx) window.htmx.trigger(form, "change");
    else form.submit();
  }

  // The zone select asks for its times as soon as it changes.
  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("form[data-zone-form]");
    if (form && !window.htmx) form.submit();
  });

  // "Copy" beside a booking link.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copy);
    input.select();
    const done = () => { button.textContent = "Copied"; };
    if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, () => {});
    else if (document.execCommand("copy")) done();
  });

  document.addEventListener("DOMContentLoaded", detectZone);
  document.addEventListener("htmx:load", detectZone);
})();
