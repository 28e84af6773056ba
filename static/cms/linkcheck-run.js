// The page of a background link check (templates/admin/cms/linkcheck/run.html): every few seconds, read the run's
// progress as JSON and update the figures; stop when the run is over. Nothing happens without this script but the
// page's own "Refresh" link. A failed request waits twice as long before the next one (at most a minute).
(function () {
  "use strict";
  const root = document.getElementById("linkcheck-run");
  if (!root || root.dataset.over === "true") return;
  const url = root.dataset.progressUrl;
  const every = Math.max(Number(root.dataset.pollEvery) || 2, 1) * 1000;
  const bar = root.querySelector("progress");

  function show(progress) {
    root.querySelectorAll("[data-field]").forEach(function (element) {
      const value = progress[element.dataset.field];
      if (value !== undefined && value !== null) element.textContent = String(value);
    });
    bar.max = Math.max(progress.total, 1);
    bar.value = progress.done;
    if (progress.over) {
      root.dataset.over = "true";
      root.querySelectorAll("[data-hide-when-over]").forEach(function (element) { element.hidden = true; });
    }
  }

  function poll(wait) {
    window.setTimeout(function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (progress) {
          show(progress);
          if (!progress.over) poll(every);
        })
        .catch(function () { poll(Math.min(wait * 2, 60000)); });
    }, wait);
  }

  poll(every);
})();
