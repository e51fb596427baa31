// Search suggestions as you type: themes, places and matching titles.
// Built with DOM APIs and textContent only, so no suggestion text is ever parsed as HTML.
(function () {
  "use strict";
  var KIND = { theme: "主题", place: "地区", practice: "经验做法", recommendation: "启示建议", section: "文献章节" };
  function attach(input) {
    var form = input.form;
    var url = form.getAttribute("data-suggest");
    if (!url) return;
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.hidden = true;
    form.appendChild(list);
    var timer = null;
    var last = "";
    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(input.value.trim()); }, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") list.hidden = true;
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) list.hidden = true;
    });
    function load(text) {
      if (text === last) return;
      last = text;
      if (!text) { list.hidden = true; return; }
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (text === last) render(data.suggestions || []); })
        .catch(function () { list.hidden = true; });
    }
    function render(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = KIND[item.kind] || "";
        a.appendChild(kind);
        a.appendChild(document.createTextNode(item.label));
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }
  }
  document.querySelectorAll("form[data-suggest] input[name=q]").forEach(attach);
})();
