// A queued job's page: ask for its state every second and fill the progress bar, the status
// and the download button, until it has finished or failed.
(function () {
  const section = document.querySelector("[data-job-url]");
  if (!section) return;
  const bar = section.querySelector("[data-test=job-progress]");
  const status = section.querySelector("[data-test=job-status]");
  const count = section.querySelector("[data-test=job-count]");
  const link = section.querySelector("[data-test=job-download]");

  function show(state) {
    bar.max = Math.max(state.total, 1);
    bar.value = state.done;
    status.firstChild.textContent = status.dataset[state.status] + " ";
    count.textContent = state.done + " / " + state.total;
    if (state.status === "finished") link.hidden = false;
  }

  function poll() {
    fetch(section.dataset.jobUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.status !== "finished" && state.status !== "failed") setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
