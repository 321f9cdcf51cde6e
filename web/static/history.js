/* js_on_load of the 历史对话 list (gr.HTML): open, rename (inline box) and delete (asks once more) send
   a click to the server; the list keeps itself open or closed across the server's re-renders. */
var historyOpen = false;

function historyItem(node) {
  var item = node.closest(".qa-history-item");
  return item ? item.getAttribute("data-id") : null;
}

function startRename(item) {
  var open = item.querySelector(".qa-history-open");
  if (!open || item.querySelector("input.qa-history-name")) return;
  var box = document.createElement("input");
  box.type = "text";
  box.className = "qa-history-name";
  box.maxLength = 60;
  box.value = open.textContent;
  box.setAttribute("aria-label", "对话名称（回车保存，Esc 取消）");
  open.hidden = true;
  open.parentNode.insertBefore(box, open);
  box.focus();
  box.select();
  var done = false;
  var finish = function (save) {
    if (done) return;
    done = true;
    if (save && box.value.trim() !== open.textContent) {
      trigger("click", { action: "rename", id: item.getAttribute("data-id"), name: box.value });
    }
    box.remove();
    open.hidden = false;
  };
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); finish(true); }
    if (event.key === "Escape") { event.preventDefault(); finish(false); }
  });
  box.addEventListener("blur", function () { finish(true); });
}

element.addEventListener("click", function (event) {
  var button = event.target.closest("button");
  if (!button) return;
  var id = historyItem(button);
  if (!id) return;
  if (button.classList.contains("qa-history-open")) {
    trigger("click", { action: "open", id: id });
  } else if (button.classList.contains("qa-history-rename")) {
    startRename(button.closest(".qa-history-item"));
  } else if (button.classList.contains("qa-history-delete")) {
    if (button.getAttribute("data-confirm") === "1") {
      trigger("click", { action: "delete", id: id });
      return;
    }
    button.setAttribute("data-confirm", "1");
    button.textContent = "确认删除";
    setTimeout(function () {
      button.removeAttribute("data-confirm");
      button.textContent = "删除";
    }, 4000);
  }
});

element.addEventListener(
  "toggle",
  function (event) {
    if (event.target.classList && event.target.classList.contains("qa-history")) {
      historyOpen = event.target.open;
    }
  },
  true
);

watch("value", function () {
  var details = element.querySelector("details.qa-history");
  if (details && historyOpen) details.open = true;
});
