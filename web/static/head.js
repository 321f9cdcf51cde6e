/* Runs in the page <head>. ?qa_widget=1 (the embed widget's iframe) shows the chat only: no header,
   no tabs, one column. In a frame it tells the widget it was allowed to load (widget.js otherwise
   says in words that the framing policy blocked it), and takes the widget's greeting
   (?qa_greeting=…, shown as text by conversation.js). */
(function () {
  try {
    var params = new URLSearchParams(window.location.search);
    if (params.get("qa_widget") === "1") {
      document.documentElement.classList.add("qa-widget");
      var greeting = params.get("qa_greeting");
      if (greeting) window.__qaGreeting = greeting.slice(0, 300);
    }
    if (window.parent !== window) window.parent.postMessage({ policyQa: "ready" }, "*");
  } catch (e) {
    /* an old browser without URLSearchParams: the full page is fine */
  }
})();
