/* Draws every <div class="chart" data-chart="{...}"> with ECharts: one visual language for all
   pages. The data comes from the page (the same numbers are in the table after each chart);
   locale and aria text follow the page's language. No inline script: CSP allows 'self' only. */
(function () {
  "use strict";
  var PALETTE = ["#0b5cad", "#b42318", "#1a7f37", "#8a6100", "#6e40c9", "#57606a"];
  var SEVERITY = { red: "#b42318", yellow: "#f5c518", green: "#1a7f37" };

  /* Motion only for those who want it (WCAG 2.3.3); screenshots ask for none. */
  /* What a screen reader hears: the title, then each label with its values, numbers in the
     page's language (ECharts' own description counts series from 0 and reads raw numbers). */
  function describe(spec, lang) {
    var rows = spec.labels.map(function (label, i) {
      return label + " " + spec.series.map(function (s) {
        return (spec.series.length > 1 ? s.name + " " : "") + Number(s.values[i]).toLocaleString(lang);
      }).join(", ");
    });
    return spec.title + ": " + rows.join("; ");
  }

  function optionFor(spec, lang) {
    var horizontal = spec.type === "bar" && spec.horizontal;
    var category = { type: "category", data: spec.labels, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
    // the unit goes under a horizontal chart; above a vertical one it would meet the title,
    // so there it is left to the title and the table's header
    var value = { type: "value", name: horizontal ? spec.unit || "" : "", nameLocation: "middle", nameGap: 28 };
    return {
      title: { text: spec.title, left: 0, textStyle: { fontSize: 14 } },
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      aria: { enabled: true, decal: { show: true }, label: { description: describe(spec, lang) } },
      color: PALETTE,
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis" },
      legend: spec.series.length > 1 ? { top: 28, type: "scroll" } : undefined,
      grid: { left: 8, right: 24, top: spec.series.length > 1 ? 72 : 56, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: spec.type,
          data: s.values.map(function (v, i) {
            var colour = s.severities && SEVERITY[s.severities[i]];
            return colour ? { value: v, itemStyle: { color: colour } } : v;
          }),
          smooth: spec.type === "line",
        };
      }),
    };
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var locale = (document.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN";
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, null, { locale: locale, renderer: "svg" });
      chart.setOption(optionFor(spec, document.documentElement.lang || "en"));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
