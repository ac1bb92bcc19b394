// Shows the partner's wall-clock time beside the manager's picker, as the manager types.
(() => {
  function managerZone(input) {
    return document.body.dataset.viewerZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
  // The instant of a wall-clock time in a zone: adjust by the zone's offset at that moment.
  function instantOf(local, zone) {
    const guess = new Date(local + "Z");
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit",
    }).formatToParts(guess).reduce((acc, p) => ({ ...acc, [p.type]: p.value }), {});
    const seen = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    return new Date(guess.getTime() - (seen - guess.getTime()));
  }
  function update(input) {
    const target = document.getElementById(input.dataset.partnerClock);
    if (!target || !input.value) return;
    const instant = instantOf(input.value, managerZone(input));
    const shown = new Intl.DateTimeFormat("en-GB", {
      timeZone: input.dataset.partnerZone, weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit",
    }).format(instant);
    target.textContent = `${target.dataset.zoneLabel}: ${shown}`;
  }
  document.querySelectorAll("input[data-partner-zone]").forEach((input) => {
    input.addEventListener("input", () => update(input));
    update(input);
  });
})();
