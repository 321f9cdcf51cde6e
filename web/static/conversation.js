/* js_on_load of the conversation (gr.HTML): `element`, `trigger`, `watch` come from Gradio.
   [n] marks show their source card; 👍/👎 send a vote to the server. */
function showSource(turn, n) {
  var panel = document.getElementById("qa-sources");
  if (!panel) return;
  panel.querySelectorAll(".qa-src-turn").forEach(function (section) {
    section.hidden = section.getAttribute("data-turn") !== turn;
  });
  panel.querySelectorAll(".qa-card.qa-active").forEach(function (card) {
    card.classList.remove("qa-active");
  });
  var card = document.getElementById("qa-src-" + turn + "-" + n);
  if (!card) return;
  card.classList.add("qa-active");
  // One column (the widget, a phone): the sources sit below the chat, so bring the card to the top.
  var stacked = document.documentElement.classList.contains("qa-widget") || window.innerWidth < 760;
  card.scrollIntoView({ behavior: "smooth", block: stacked ? "start" : "nearest" });
  var open = card.querySelector("button.qa-open-doc");
  if (open) open.focus({ preventScroll: true });
}

element.addEventListener("click", function (event) {
  var cite = event.target.closest("button.qa-cite");
  if (cite) {
    event.preventDefault();
    showSource(cite.getAttribute("data-turn"), cite.getAttribute("data-n"));
    return;
  }
  var vote = event.target.closest("button.qa-vote");
  if (vote && !vote.disabled) {
    vote.disabled = true;
    trigger("click", {
      action: "vote",
      turn: Number(vote.getAttribute("data-turn")),
      rating: vote.getAttribute("data-feedback"),
    });
  }
});

/* Keep the newest turn in view: scroll down, but never past the start of the latest question. */
watch("value", function () {
  var box = element.querySelector(".qa-conv");
  var turns = element.querySelectorAll(".qa-turn");
  if (!box || !turns.length) return;
  var last = turns[turns.length - 1];
  var bottom = box.scrollHeight - box.clientHeight;
  box.scrollTop = Math.min(bottom, Math.max(0, last.offsetTop - 8));
});
