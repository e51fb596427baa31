// Keeps a job's progress bar current, and reloads the page (or goes to data-job-next) when the job ends.
// Text goes in with textContent only.
(function () {
  "use strict";
  // Texts are translated by Django's JavaScript catalog (jsi18n), when the page loads it.
  var gettext = window.gettext || function (text) { return text; };

  var FINISHED = { succeeded: true, failed: true, cancelled: true };
  function watch(box) {
    var url = box.getAttribute("data-job-status");
    var bar = box.querySelector("progress");
    var state = box.querySelector(".job-state");
    var step = box.querySelector(".job-step-text");
    var percent = box.querySelector(".job-percent");
    var delay = 700;
    var gone = false;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 403 || response.status === 404) { gone = true; throw new Error(response.status); }
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          bar.value = data.progress;
          bar.textContent = data.progress + "%";
          state.textContent = data.state_display;
          step.textContent = data.step ? " · " + data.step : "";
          percent.textContent = data.progress + "%";
          if (FINISHED[data.state]) {
            var next = box.getAttribute("data-job-next");
            if (next) window.location.assign(next); else window.location.reload();
            return;
          }
          delay = Math.min(delay * 1.2, 3000);
          setTimeout(poll, delay);
        })
        .catch(function () {
          if (gone) { step.textContent = " · " + gettext("无法查看这个任务的进度，请刷新页面。"); return; }
          setTimeout(poll, 5000);  // a network blip or a server restart: keep trying, more slowly
        });
    }
    if (!FINISHED[box.getAttribute("data-job-state")]) setTimeout(poll, delay);
  }
  document.querySelectorAll("[data-job-status]").forEach(watch);
})();
