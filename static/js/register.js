// Offer only the chosen community's micro-grids (the server checks the pair anyway).
(function () {
  var community = document.getElementById("community_id");
  var microGrid = document.getElementById("micro_grid_id");
  if (!community || !microGrid) return;
  function filter() {
    Array.prototype.forEach.call(microGrid.options, function (option) {
      var owner = option.getAttribute("data-community");
      option.hidden = owner !== null && owner !== community.value;
      if (option.hidden && option.selected) microGrid.value = "0";
    });
  }
  community.addEventListener("change", filter);
  filter();
})();
