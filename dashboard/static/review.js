// Keyboard shortcuts of the review queue and the lead page (listed on the page):
// Q qualify, D disqualify (reason field), A assign (Enter submits), R call back, N next lead / open the
// first lead of the queue, Space play/pause, J/K next/previous turn, Escape leaves a field.
"use strict";
(function () {
  function byId(id) { return document.getElementById(id); }

  function typing(target) {
    return target && (["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) >= 0 || target.isContentEditable);
  }

  const select = byId("assign-select");
  if (select) {
    select.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); byId("assign-form").requestSubmit(); }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key.toLowerCase();
    function act(fn) { event.preventDefault(); fn(); }
    const queueFirst = document.querySelector("#review-queue .queue-link");
    if (key === "q" && byId("qualify-form")) act(function () { byId("qualify-form").requestSubmit(); });
    else if (key === "d" && byId("disqualify-reason")) act(function () { byId("disqualify-reason").focus(); });
    else if (key === "a" && select) act(function () { select.focus(); });
    else if (key === "r" && byId("callback-at")) act(function () { byId("callback-at").focus(); });
    else if ((key === "n" || key === "enter") && queueFirst) act(function () { queueFirst.click(); });
    else if (key === "n" && byId("next-lead")) act(function () { byId("next-lead").click(); });
    else if (key === " " && byId("player")) {
      act(function () {
        const player = byId("player");
        if (player.paused) player.play().catch(function () {}); else player.pause();
      });
    } else if (key === "j" || key === "k") {
      act(function () {
        document.dispatchEvent(new CustomEvent("minibot:turn", { detail: key === "j" ? 1 : -1 }));
      });
    }
  });
})();
