/* js_on_load of the sources panel: "查看原文" asks the server for the whole speech (viewer.js shows it). */
element.addEventListener("click", function (event) {
  var open = event.target.closest("button.qa-open-doc");
  if (!open) return;
  var number = function (name) {
    return Number(open.getAttribute(name));
  };
  trigger("click", {
    action: "open",
    doc_id: open.getAttribute("data-doc-id"),
    start: number("data-start"),
    end: number("data-end"),
    hl_start: number("data-hl-start"),
    hl_end: number("data-hl-end"),
  });
});
