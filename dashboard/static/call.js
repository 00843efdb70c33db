// Transcript and recording kept in step: clicking (or Enter on) a turn plays from its start, and
// while the recording plays the turn being heard is highlighted.
"use strict";
(function () {
  const player = document.getElementById("player");
  const turns = Array.prototype.filter.call(
    document.querySelectorAll(".turn[data-start-ms]"),
    function (turn) { return turn.dataset.startMs !== ""; }
  );
  if (!player || turns.length === 0) return;

  function mark(current) {
    turns.forEach(function (turn) {
      const on = turn === current;
      turn.classList.toggle("playing", on);
      if (on) turn.setAttribute("aria-current", "true"); else turn.removeAttribute("aria-current");
    });
  }

  function heard() {
    const ms = player.currentTime * 1000 + 50;
    let found = null;
    turns.forEach(function (turn) { if (Number(turn.dataset.startMs) <= ms) found = turn; });
    return found;
  }

  function playFrom(turn) {
    player.currentTime = Number(turn.dataset.startMs) / 1000;
    mark(turn);
    player.play().catch(function () { /* autoplay may be refused; the seek still applies */ });
  }

  player.addEventListener("timeupdate", function () { mark(heard()); });
  player.addEventListener("seeked", function () { mark(heard()); });
  turns.forEach(function (turn) {
    turn.addEventListener("click", function () { playFrom(turn); });
    turn.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); playFrom(turn); }
    });
  });
  // J / K from review.js: the next or previous turn
  document.addEventListener("minibot:turn", function (event) {
    const playing = turns.indexOf(document.querySelector(".turn.playing"));
    const next = Math.min(Math.max(playing + event.detail, 0), turns.length - 1);
    playFrom(turns[next]);
    turns[next].focus();
  });
})();
