// Small behaviours that a strict Content-Security-Policy keeps out of the HTML itself.
(function () {
  "use strict";
  // Texts are translated by Django's JavaScript catalog (jsi18n), when the page loads it.
  var gettext = window.gettext || function (text) { return text; };

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
  // Downloads made during the request (a PDF of a few pages takes seconds): say so while the file is
  // made. A download does not replace the page, so the server answers with a cookie carrying the
  // token sent (briefings.views._signal_done), which this watches for.
  function watchDownload(anchor) {
    var token = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    var status = document.createElement("p");
    status.className = "download-status";
    status.setAttribute("role", "status");
    var bar = document.createElement("progress");
    status.appendChild(bar);
    status.appendChild(document.createTextNode(" " + gettext("正在生成文件，请稍候……")));
    anchor.insertAdjacentElement("afterend", status);
    var started = Date.now();
    var timer = setInterval(function () {
      if (document.cookie.split("; ").indexOf("kbase_download=" + token) >= 0) {
        clearInterval(timer);
        document.cookie = "kbase_download=; Max-Age=0; path=/";
        status.textContent = gettext("文件已生成，开始下载。");
        setTimeout(function () { status.remove(); }, 4000);
      } else if (Date.now() - started > 120000) {
        clearInterval(timer);
        status.remove();
      }
    }, 300);
    return token;
  }
  document.querySelectorAll(".export-links a[href*='format=']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      var token = watchDownload(link.closest(".export-links"));
      window.location.href = link.href + "&download_token=" + token;
    });
  });
  document.querySelectorAll("form.export-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var old = form.querySelector("input[name=download_token]");
      if (old) old.remove();
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "download_token";
      input.value = watchDownload(form.querySelector(".export-buttons") || form);
      form.appendChild(input);
    });
  });
})();
