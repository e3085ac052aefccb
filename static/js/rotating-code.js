// A code on screen that must stay fresh (check-in codes, member codes): fetch a new
// one every data-refresh-seconds (default 30) and swap the QR and the text in place.
(function () {
  var screen = document.querySelector("[data-code-url]");
  if (!screen) { return; }
  var seconds = parseInt(screen.dataset.refreshSeconds || "30", 10);
  function refresh() {
    fetch(screen.dataset.codeUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (code) {
        screen.querySelector("[data-qr]").innerHTML = code.svg;
        screen.querySelector("[data-token]").textContent = code.token;
      })
      .catch(function () { /* keep the last code; the next tick tries again */ });
  }
  setInterval(refresh, seconds * 1000);
})();
