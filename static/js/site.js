// Small behaviours that a strict Content-Security-Policy keeps out of the HTML itself.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // <details data-open-wide="800">: open on screens wider than 800 px (filters beside the results,
  // the outline beside the text), folded behind its summary on a phone.
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    var wide = window.matchMedia("(min-width: " + (Number(details.getAttribute("data-open-wide")) + 1) + "px)");
    if (wide.matches) details.open = true;
    details.classList.toggle("wide", wide.matches);
    wide.addEventListener("change", function (event) {
      details.open = event.matches || details.open;
      details.classList.toggle("wide", event.matches);
    });
  });
  // Links inside a folded outline: fold it again once a section is chosen, on a phone.
  document.querySelectorAll("details.outline a").forEach(function (link) {
    link.addEventListener("click", function () {
      var details = link.closest("details");
      if (!details.classList.contains("wide")) details.open = false;
    });
  });
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
