// Kiosk: print buttons, and forget the member after data-idle-seconds without a touch,
// so the next person never finds someone else's points on the screen.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var logout = document.querySelector("[data-idle-logout]");
  if (!logout) { return; }
  var seconds = parseInt(document.body.dataset.idleSeconds || "60", 10), timer;
  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () { logout.submit(); }, seconds * 1000);
  }
  ["click", "touchstart", "keydown"].forEach(function (name) { document.addEventListener(name, restart); });
  restart();
})();
