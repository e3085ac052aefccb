// The on-site check-in screen: fetch a fresh signed code every 30 seconds
// (each is valid for 60), so a photo of the screen stops working within a minute.
(function () {
  var screen = document.querySelector("[data-code-url]");
  if (!screen) { return; }
  function refresh() {
    fetch(screen.dataset.codeUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (code) {
        screen.querySelector("[data-qr]").innerHTML = code.svg;
        screen.querySelector("[data-token]").textContent = code.token;
      })
      .catch(function () { /* keep the last code; the next tick tries again */ });
  }
  setInterval(refresh, 30000);
})();
