// Call detail: clicking a transcript turn seeks the recording to the turn's start.
"use strict";
(function () {
  const player = document.getElementById("player");
  if (!player) return;
  document.querySelectorAll("tr.turn[data-start-ms]").forEach(function (row) {
    if (row.dataset.startMs === "") return;
    row.addEventListener("click", function () {
      player.currentTime = Number(row.dataset.startMs) / 1000;
      document.querySelectorAll("tr.turn.playing").forEach(function (r) { r.classList.remove("playing"); });
      row.classList.add("playing");
      player.play().catch(function () { /* autoplay may be refused; the seek still applies */ });
    });
  });
})();
