// The visual overview (templates/experiences/_overview.html): a map of China shaded by lessons per
// province with a bubble per city, and bar charts by theme and by year. Apache ECharts, served from
// static/vendor/; the figures come from the page itself (json_script), the outlines from china.json.
// Every mark links to its page. The table under the charts says the same for screen readers.
(function () {
  "use strict";
  // Texts are translated by Django's JavaScript catalog (jsi18n), when the page loads it.
  var gettext = window.gettext || function (text) { return text; };

  var root = document.querySelector("[data-overview]");
  if (!root || !window.echarts) return;
  var data = JSON.parse(document.getElementById(root.getAttribute("data-overview")).textContent);
  var accent = "#9b1c1c", soft = "#fbeaea", practiceColor = "#9b1c1c", recommendationColor = "#0b5cad";
  var charts = [];
  var animate = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var tooltipText = function (name, item) {
    // Names come from the database: escaped, as the tooltip is HTML.
    return echarts.format.encodeHTML(name) + "<br>" + echarts.format.encodeHTML(
      window.interpolate
        ? interpolate(gettext("经验做法 %(p)s · 启示建议 %(r)s"), { p: item.practices, r: item.recommendations }, true)
        : "经验做法 " + item.practices + " · 启示建议 " + item.recommendations
    );
  };
  var follow = function (chart) {
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) window.location.href = url;
    });
  };

  function drawMap(geojson) {
    var element = document.getElementById("chart-map");
    if (!element) return;
    echarts.registerMap("china", geojson);
    // china.json names provinces by their short names (湖北); join on the adcode instead.
    var nameOf = {};
    geojson.features.forEach(function (f) { nameOf[f.id || f.properties.id] = f.properties.name; });
    var max = Math.max.apply(null, data.provinces.map(function (p) { return p.total; }).concat([1]));
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: animate,
      tooltip: {
        trigger: "item",
        formatter: function (params) { return params.data ? tooltipText(params.data.label, params.data) : params.name; },
      },
      visualMap: {
        min: 0, max: max, left: 8, bottom: 8, calculable: false, seriesIndex: 0,
        text: [gettext("多"), gettext("少")], inRange: { color: ["#f7eeee", soft, "#e9a8a8", accent] },
      },
      geo: { map: "china", roam: false, zoom: 1.15, top: 10, bottom: 10, itemStyle: { areaColor: "#f4f5f7", borderColor: "#b9c0c8" }, emphasis: { label: { show: false } } },
      series: [
        {
          type: "map", geoIndex: 0,
          data: data.provinces.map(function (p) {
            return { name: nameOf[p.adcode] || p.name, value: p.total, label: p.name, url: p.url,
                     practices: p.practices, recommendations: p.recommendations };
          }),
        },
        {
          type: "scatter", coordinateSystem: "geo", zlevel: 1,
          symbolSize: function (value) { return 6 + Math.sqrt(value[2]) * 3; },
          itemStyle: { color: recommendationColor, opacity: 0.75 },
          data: data.cities.filter(function (c) { return c.longitude !== null && c.latitude !== null; }).map(function (c) {
            return { name: c.name, label: c.name, value: [c.longitude, c.latitude, c.total], url: c.url,
                     practices: c.practices, recommendations: c.recommendations };
          }),
        },
      ],
    });
    follow(chart);
    charts.push(chart);
  }

  function drawBars(id, bars, horizontal) {
    var element = document.getElementById(id);
    if (!element || !bars.length) { if (element) element.closest("figure").hidden = true; return; }
    var chart = echarts.init(element);
    var labels = bars.map(function (b) { return b.label; });
    var series = [[gettext("经验做法"), "practices", practiceColor], [gettext("启示建议"), "recommendations", recommendationColor]].map(function (s) {
      return {
        name: s[0], type: "bar", stack: "all", barMaxWidth: 36, itemStyle: { color: s[2] },
        data: bars.map(function (b) { return { value: b[s[1]], url: b.url }; }),
      };
    });
    var category = { type: "category", data: labels, inverse: horizontal, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      animation: animate,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series,
    });
    follow(chart);
    charts.push(chart);
  }

  var themes = document.getElementById("chart-themes");
  if (themes) themes.style.height = Math.max(220, 26 * data.themes.length + 60) + "px";
  drawBars("chart-themes", data.themes, true);
  drawBars("chart-years", data.years, false);
  fetch(root.getAttribute("data-map"))
    .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
    .then(drawMap)
    .catch(function () { var map = document.getElementById("chart-map"); if (map) map.closest("figure").hidden = true; });
  root.classList.add("drawn");
  // The charts say it all to sighted readers: fold the table (it stays one click away).
  var table = document.querySelector(".overview-table");
  if (table) table.open = false;
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
