// After htmx puts a lead or a message into a panel, move keyboard focus to its heading so screen reader and
// keyboard users land on what they asked for.
var PANELS = ["lead-panel", "message-panel"];
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  if (target && PANELS.indexOf(target.id) !== -1) {
    var heading = target.querySelector("h2");
    if (heading) { heading.focus(); }
  }
});
