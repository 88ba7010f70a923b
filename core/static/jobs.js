// Live progress on a job page: poll the job's API once a second and update the bar,
// step and status; when the job ends, reload once so the server renders the result or
// the retry button. Without JavaScript the page shows the values it was rendered with.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-url]");
  if (!box) { return; }
  var FINAL = { done: true, failed: true };
  var BADGE = { done: "ok", failed: "bad", running: "warn", queued: "" };
  if (FINAL[box.getAttribute("data-job-status")]) { return; }
  var url = box.getAttribute("data-job-url");

  function field(name) { return box.querySelector('[data-job-field="' + name + '"]'); }

  function show(job) {
    var bar = box.querySelector(".progress .bar");
    if (bar) { bar.style.width = job.progress + "%"; }
    var meter = box.querySelector(".progress");
    if (meter) { meter.setAttribute("aria-valuenow", String(job.progress)); }
    var pct = field("progress");
    if (pct) { pct.textContent = String(job.progress); }
    var msg = field("message");
    if (msg) { msg.textContent = job.message || ""; }
    var status = field("status_label");
    if (status) {
      status.textContent = job.status_label;
      status.className = ("badge " + (BADGE[job.status] || "")).trim();
    }
    box.setAttribute("data-job-status", job.status);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .then(function (job) {
        show(job);
        if (FINAL[job.status]) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });  // network hiccup: slow down, keep going
  }

  window.setTimeout(poll, 1000);
})();
