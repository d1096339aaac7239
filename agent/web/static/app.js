// sparkwright serve: the few things the pages do in the browser. Everything shown is HTML the server
// rendered and escaped; nothing here builds markup from data.
(function () {
  "use strict";

  // The live job page: new events are appended, the panel (status, plan, totals) is replaced.
  const events = document.getElementById("events");
  if (events && window.EventSource) {
    const url = events.dataset.live + "?after=" + encodeURIComponent(events.dataset.after);
    const source = new EventSource(url);
    const dot = document.getElementById("live-dot");
    source.addEventListener("events", function (e) {
      const pinned = events.scrollHeight - events.scrollTop - events.clientHeight < 40;
      events.insertAdjacentHTML("beforeend", e.data);
      if (pinned) events.scrollTop = events.scrollHeight;
    });
    source.addEventListener("panel", function (e) {
      const panel = document.getElementById("panel");
      const open = panel.querySelector(".approval details[open]");
      if (open) return; // the user is editing the plan: keep their text
      panel.innerHTML = e.data;
    });
    source.onopen = function () { if (dot) dot.classList.add("on"); };
    source.onerror = function () { if (dot) dot.classList.remove("on"); };
    events.scrollTop = events.scrollHeight;
  }

  // The review page: a comment box under a diff line, sent with the revise form.
  document.addEventListener("click", function (e) {
    const button = e.target.closest ? e.target.closest(".cbtn") : null;
    if (!button) return;
    const row = button.closest("tr");
    const next = row.nextElementSibling;
    if (next && next.classList.contains("comment-row")) {
      next.querySelector("textarea").focus();
      return;
    }
    const comment = document.createElement("tr");
    comment.className = "comment-row";
    const cell = document.createElement("td");
    cell.colSpan = 3;
    const anchor = document.createElement("input");
    anchor.type = "hidden";
    anchor.name = "anchor";
    anchor.value = button.dataset.anchor;
    const label = document.createElement("div");
    label.className = "meta";
    label.textContent = button.dataset.anchor;
    const text = document.createElement("textarea");
    text.name = "comment";
    text.rows = 2;
    text.placeholder = "Your comment on this line";
    cell.append(label, anchor, text);
    comment.append(cell);
    row.after(comment);
    text.focus();
  });

  // Approving with an edited plan: typing in the plan box ticks "use my edits".
  document.addEventListener("input", function (e) {
    if (e.target.name !== "plan") return;
    const box = e.target.form && e.target.form.querySelector("input[name=edited]");
    if (box) box.checked = true;
  });
})();
