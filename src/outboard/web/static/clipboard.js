// Copy buttons: <button data-copy="ID"> copies the text of the element with that id (a readonly textarea),
// then says so in the status region next to it. Without this script the text can still be selected by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) { return; }
  var status = button.parentElement.querySelector(".copied");
  var say = function (text) { if (status) { status.textContent = text; } };
  var fallback = function () {
    source.focus();
    source.select();
    say(document.execCommand("copy") ? "Copied." : "Press Ctrl+C (⌘C) to copy the selected text.");
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.value || source.textContent).then(function () { say("Copied."); }, fallback);
  } else {
    fallback();
  }
});
