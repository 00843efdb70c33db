// Live calls: follow /live/events (Server-Sent Events) and update the page without reloading.
// New calls get the same markup as the server-rendered ones, with the labels of the page's language.
"use strict";
(function () {
  const root = document.getElementById("live");
  if (!root) return;
  const noCalls = document.getElementById("no-calls");
  const labels = JSON.parse(root.dataset.labels || "{}");

  function label(kind, value) {
    return ((labels[kind] || {})[value]) || String(value || "").replace(/_/g, " ");
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function callSection(call) {
    let section = document.getElementById("live-call-" + call.id);
    if (!section) {
      section = el("section", { class: "live-call", id: "live-call-" + call.id, "data-call": call.id });
      const h2 = el("h2");
      h2.append(el("a", { href: "/calls/" + call.id }, labels.call + " " + call.id), " · " + call.campaign + " · ",
                el("span", { class: "phone" }, call.phone || ""));
      const p = el("p");
      p.append(labels.status + " : ", el("span", { class: "call-status badge" }), " · " + labels.step + " : ",
               el("span", { class: "call-step" }));
      section.append(h2, p, el("ol", { class: "transcript" }));
      root.append(section);
    }
    section.querySelector(".call-status").textContent = label("call_status", call.status);
    section.querySelector(".call-step").textContent = call.current_step || "";
    return section;
  }

  const source = new EventSource("/live/events?after=" + encodeURIComponent(root.dataset.after || "0"));
  source.addEventListener("calls", function (event) {
    const calls = JSON.parse(event.data);
    const live = new Set(calls.map(function (c) { return "live-call-" + c.id; }));
    calls.forEach(callSection);
    root.querySelectorAll("section.live-call").forEach(function (s) { if (!live.has(s.id)) s.remove(); });
    noCalls.hidden = calls.length > 0;
  });
  source.addEventListener("turn", function (event) {
    const turn = JSON.parse(event.data);
    const section = document.getElementById("live-call-" + turn.call_id);
    if (!section || document.getElementById("live-turn-" + turn.id)) return;
    const li = el("li", { id: "live-turn-" + turn.id, class: "turn " + turn.speaker });
    li.append(el("b", {}, label("speaker", turn.speaker)), " " + turn.text);
    section.querySelector(".transcript").append(li);
  });
})();
