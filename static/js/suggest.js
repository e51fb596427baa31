// Search suggestions as you type: themes, places and matching titles.
// Built with DOM APIs and textContent only, so no suggestion text is ever parsed as HTML.
// Keyboard: ArrowDown/ArrowUp move through the list (ARIA combobox, the input keeps focus),
// Enter opens the highlighted suggestion, Escape closes the list.
(function () {
  "use strict";
  // Texts are translated by Django's JavaScript catalog (jsi18n), when the page loads it.
  var gettext = window.gettext || function (text) { return text; };
  var KIND = { theme: gettext("主题"), place: gettext("地区"), practice: gettext("经验做法"), recommendation: gettext("启示建议"), section: gettext("文献章节") };
  var counter = 0;
  function attach(input) {
    var form = input.form;
    var url = form.getAttribute("data-suggest");
    if (!url) return;
    counter += 1;
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = "suggestions-" + counter;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.appendChild(list);
    var timer = null;
    var last = "";
    var active = -1;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(input.value.trim()); }, 250);
    });
    input.addEventListener("keydown", function (event) {
      var options = list.querySelectorAll("[role=option]");
      if (event.key === "Escape") { close(); return; }
      if (list.hidden || !options.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        // Positions 0..n-1 are the options, n is the input: the cycle wraps through it.
        var position = active < 0 ? options.length : active;
        var step = event.key === "ArrowDown" ? 1 : options.length;
        highlight((position + step) % (options.length + 1), options);
      } else if (event.key === "Enter" && active >= 0 && active < options.length) {
        event.preventDefault();
        window.location.href = options[active].querySelector("a").href;
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) close();
    });
    function highlight(index, options) {
      // One past the last option (or before the first) is the input itself: the typed words.
      active = index >= options.length ? -1 : index;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function load(text) {
      if (text === last) return;
      last = text;
      if (!text) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (text === last) render(data.suggestions || []); })
        .catch(close);
    }
    function render(items) {
      list.textContent = "";
      active = -1;
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = document.createElement("a");
        a.href = item.url;
        a.tabIndex = -1;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = KIND[item.kind] || "";
        a.appendChild(kind);
        a.appendChild(document.createTextNode(item.label));
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
  }
  document.querySelectorAll("form[data-suggest] input[name=q]").forEach(attach);
})();
