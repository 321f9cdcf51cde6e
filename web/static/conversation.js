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

/* Copy and export (the 复制 / 导出 buttons under an answer and above the conversation). */
function toolStatus(button, text) {
  var box = button.parentElement && button.parentElement.querySelector(".qa-tool-status");
  if (box) box.textContent = text;
}

function copyText(text) {
  // navigator.clipboard needs https or localhost; an intranet page on plain http uses the old way
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  return new Promise(function (resolve, reject) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    document.body.removeChild(area);
    if (done) resolve(); else reject(new Error("copy"));
  });
}

function apiBase() {
  // the app's root (with POLICY_QA_ROOT_PATH behind a proxy), as a path on this origin
  var root = window.gradio_config && window.gradio_config.root;
  var path = root ? new URL(root, window.location.href).pathname : window.location.pathname.replace(/[^/]*$/, "");
  return path.replace(/\/?$/, "/");
}

function exportedAnswers(button) {
  var all = button.getAttribute("data-scope") === "all";
  var scope = all ? element : button.closest(".qa-turn");
  var answers = [];
  if (scope) {
    scope.querySelectorAll("template.qa-export-data").forEach(function (tpl) {
      answers.push(JSON.parse(tpl.content.textContent));
    });
  }
  return all ? { conversation: answers } : { answer: answers[0] };
}

function exportFile(button) {
  var format = button.getAttribute("data-format");
  var body = exportedAnswers(button);
  body.format = format;
  toolStatus(button, "正在导出…");
  fetch(apiBase() + "api/export", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body),
  })
    .then(function (response) {
      if (!response.ok) {
        return response.json().then(function (data) {
          throw new Error(data.error || "导出失败，请稍后再试。");
        });
      }
      return response.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = (body.conversation ? "政策问答-对话" : "政策问答-回答") + "." + format;
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
        toolStatus(button, "已导出");
      });
    })
    .catch(function (error) {
      toolStatus(button, error && error.message && error.message !== "Failed to fetch" ? error.message : "导出失败，请稍后再试。");
    });
}

element.addEventListener("click", function (event) {
  var copy = event.target.closest("button.qa-copy");
  if (copy) {
    var kind = copy.getAttribute("data-copy");
    var source = copy.parentElement.querySelector('template.qa-copy-text[data-copy="' + kind + '"]');
    copyText(source ? source.content.textContent : "").then(
      function () { toolStatus(copy, "已复制"); },
      function () { toolStatus(copy, "无法复制：请选中文字后按 Ctrl+C。"); }
    );
    return;
  }
  var exporter = event.target.closest("button.qa-export");
  if (exporter) {
    exportFile(exporter);
    return;
  }
  var cite = event.target.closest("button.qa-cite");
  if (cite) {
    event.preventDefault();
    showTip(cite.parentElement);
    showSource(cite.getAttribute("data-turn"), cite.getAttribute("data-n"));
    return;
  }
  showTip(null);
  var vote = event.target.closest("button.qa-vote");
  if (vote && !vote.disabled && vote.getAttribute("aria-pressed") !== "true") {
    vote.disabled = true;
    trigger("click", {
      action: "vote",
      turn: Number(vote.getAttribute("data-turn")),
      rating: vote.getAttribute("data-feedback"),
    });
    return;
  }
  var follow = event.target.closest("button.qa-suggest-q");
  if (follow) {
    askQuestion(follow.textContent);
    return;
  }
  var send = event.target.closest("button.qa-comment-send");
  if (send) {
    var form = send.closest(".qa-comment");
    send.disabled = true;
    trigger("click", {
      action: "comment",
      turn: Number(form.getAttribute("data-turn")),
      comment: form.querySelector("textarea").value,
    });
  }
});

/* A suggested follow-up is asked as if typed: into the question box, then 发送 (Gradio's own event). */
function askQuestion(text) {
  var box = document.querySelector("#qa-question textarea");
  var send = document.getElementById("qa-send");
  if (!box || !send) return;
  box.value = text;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(function () { send.click(); }, 0);
}

/* A tap on a mark keeps its preview open (hover and focus show it too, ui.css) until the next click. */
function showTip(wrap) {
  element.querySelectorAll(".qa-cite-wrap.qa-tip-open").forEach(function (open) {
    if (open !== wrap) open.classList.remove("qa-tip-open");
  });
  if (wrap) wrap.classList.add("qa-tip-open");
}

/* The widget's greeting (data-greeting on its script tag) replaces the welcome text, as text. */
function greet() {
  var welcome = element.querySelector(".qa-welcome");
  if (welcome && window.__qaGreeting) welcome.textContent = window.__qaGreeting;
}
greet();

/* Keep the newest turn in view: scroll down, but never past the start of the latest question. */
watch("value", function () {
  greet();
  var box = element.querySelector(".qa-conv");
  var turns = element.querySelectorAll(".qa-turn");
  if (!box || !turns.length) return;
  var last = turns[turns.length - 1];
  var bottom = box.scrollHeight - box.clientHeight;
  box.scrollTop = Math.min(bottom, Math.max(0, last.offsetTop - 8));
});
