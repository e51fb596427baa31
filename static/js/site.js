// Small behaviours that a strict Content-Security-Policy keeps out of the HTML itself.
(function () {
  "use strict";
  // <a data-history-back href="/">: back to the previous page when there is one, else the link itself.
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1 && document.referrer) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
  // <form data-confirm="…">: ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
