/* js_on_load of the full-speech viewer: scroll to the cited passage; close on ✕, backdrop or Esc. */
function closeViewer() {
  props.value = "";
}

element.addEventListener("click", function (event) {
  if (event.target.closest("[data-close]") || event.target.classList.contains("qa-viewer")) closeViewer();
});

document.addEventListener("keydown", function (event) {
  if (event.key === "Escape" && props.value) closeViewer();
});

watch("value", function () {
  var hit = element.querySelector("#qa-viewer-hit");
  var body = element.querySelector(".qa-viewer-body");
  if (hit && body) body.scrollTop = Math.max(0, hit.offsetTop - body.clientHeight / 4);
  var close = element.querySelector(".qa-viewer-close");
  if (close) close.focus({ preventScroll: true });
});
