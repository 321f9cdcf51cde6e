/* policy-qa embed widget: a floating "政策问答" button that opens the chat in an iframe.
 *
 *   <script src="https://HOST/SUB-PATH/static/widget.js" defer></script>
 *
 * Optional attributes on the script tag: data-title (button text), data-position ("left" | "right"),
 * data-color ("#rgb" / "#rrggbb"), data-width / data-height (pixels), data-greeting (the chat's
 * welcome text), data-base-url (where the app lives; default: the directory above this file).
 * A page the app's framing policy (POLICY_QA_FRAME_ANCESTORS) does not allow gets a message in words
 * and a link that opens the chat in a new window, not a broken frame.
 * No dependencies, nothing loaded from anywhere but the app itself.
 */
(function () {
  "use strict";
  if (window.__policyQaWidget) return;
  window.__policyQaWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="static/widget.js"]');
  if (!script) return;
  var base = script.getAttribute("data-base-url") || new URL("../", script.src).href;
  if (base.slice(-1) !== "/") base += "/";
  var title = script.getAttribute("data-title") || "政策问答";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var colour = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(script.getAttribute("data-color") || "")
    ? script.getAttribute("data-color")
    : "#1d4ed8";
  function pixels(name, fallback, low, high) {
    var value = parseInt(script.getAttribute(name) || "", 10);
    return isNaN(value) ? fallback : Math.max(low, Math.min(high, value));
  }
  var width = pixels("data-width", 440, 280, 1200);
  var height = pixels("data-height", 680, 320, 1400);
  var greeting = (script.getAttribute("data-greeting") || "").slice(0, 300);

  var css =
    ".pqa-launcher{position:fixed;bottom:24px;" + side + ":24px;z-index:2147483000;display:flex;align-items:center;" +
    "gap:8px;padding:12px 18px;border:0;border-radius:999px;background:" + colour + ";color:#fff;font:600 15px/1.2 " +
    "system-ui,'PingFang SC','Microsoft YaHei',sans-serif;box-shadow:0 6px 20px rgba(0,0,0,.25);cursor:pointer}" +
    ".pqa-launcher:hover{filter:brightness(.9)}.pqa-launcher:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
    ".pqa-panel{position:fixed;bottom:88px;" + side + ":24px;z-index:2147483000;width:min(" + width + "px,calc(100vw - 32px));" +
    "height:min(" + height + "px,calc(100vh - 120px));display:none;flex-direction:column;background:#fff;border-radius:14px;" +
    "overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.3)}" +
    ".pqa-panel.pqa-open{display:flex}" +
    ".pqa-head{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:" + colour + ";" +
    "color:#fff;font:600 15px/1.2 system-ui,'PingFang SC','Microsoft YaHei',sans-serif}" +
    ".pqa-close{border:0;background:transparent;color:#fff;font-size:20px;line-height:1;cursor:pointer;padding:4px 8px}" +
    ".pqa-frame{flex:1;width:100%;border:0}" +
    ".pqa-blocked{flex:1;padding:20px;color:#1f2937;font:14px/1.7 system-ui,'PingFang SC','Microsoft YaHei',sans-serif}" +
    ".pqa-blocked a{color:" + colour + ";font-weight:600}" +
    "@media (max-width:520px){.pqa-panel{" + side + ":8px;bottom:80px;width:calc(100vw - 16px);height:calc(100vh - 100px)}}";

  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "pqa-launcher";
  launcher.setAttribute("aria-expanded", "false");
  // An inline icon (no emoji font needed); built with DOM calls, never from strings of markup.
  var ns = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(ns, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "18");
  icon.setAttribute("height", "18");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-4 4V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
  icon.appendChild(path);
  launcher.appendChild(icon);
  launcher.appendChild(document.createTextNode(title));

  var panel = document.createElement("div");
  panel.className = "pqa-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = document.createElement("div");
  head.className = "pqa-head";
  var label = document.createElement("span");
  label.textContent = title;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "pqa-close";
  close.setAttribute("aria-label", "关闭");
  close.textContent = "×";
  head.appendChild(label);
  head.appendChild(close);
  panel.appendChild(head);

  var frame = null; // created on first open: the host page pays nothing until someone asks
  var ready = false; // the app's page said it loaded (head.js): the framing policy let it in
  window.addEventListener("message", function (event) {
    if (frame && event.source === frame.contentWindow && event.data && event.data.policyQa === "ready") ready = true;
  });
  function chatUrl() {
    var url = new URL("?qa_widget=1", base);
    if (greeting) url.searchParams.set("qa_greeting", greeting);
    return url.href;
  }
  function blocked() {
    // A frame refused by frame-ancestors still fires "load" (with the browser's error page)
    var box = document.createElement("div");
    box.className = "pqa-blocked";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent =
      "本网页不在政策问答服务允许嵌入的范围内，无法在这里显示问答窗口。" +
      "请联系管理员在服务的 POLICY_QA_FRAME_ANCESTORS 设置中加入本网站的地址。";
    var link = document.createElement("a");
    link.href = new URL(base).href;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "在新窗口中打开政策问答";
    box.appendChild(text);
    box.appendChild(link);
    panel.replaceChild(box, frame);
  }
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "pqa-frame";
      frame.title = title;
      frame.src = chatUrl();
      frame.addEventListener("load", function () {
        setTimeout(function () {
          if (!ready && frame && frame.parentNode === panel) blocked();
        }, 3000);
      });
      panel.appendChild(frame);
    }
    panel.classList.add("pqa-open");
    launcher.setAttribute("aria-expanded", "true");
  }
  function hide() {
    panel.classList.remove("pqa-open");
    launcher.setAttribute("aria-expanded", "false");
  }
  launcher.addEventListener("click", function () {
    panel.classList.contains("pqa-open") ? hide() : open();
  });
  close.addEventListener("click", hide);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
