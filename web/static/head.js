/* Runs in the page <head>. ?qa_widget=1 (the embed widget's iframe) shows the chat only: no header,
   no tabs, one column. */
(function () {
  try {
    if (new URLSearchParams(window.location.search).get("qa_widget") === "1") {
      document.documentElement.classList.add("qa-widget");
    }
  } catch (e) {
    /* an old browser without URLSearchParams: the full page is fine */
  }
})();
