// After htmx puts a lead into the detail panel, move keyboard focus to its heading so screen reader and
// keyboard users land on what they asked for.
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "lead-panel") {
    var heading = event.detail.target.querySelector("h2");
    if (heading) { heading.focus(); }
  }
});
