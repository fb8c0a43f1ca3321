/* Draws the dashboard's charts with ECharts from the JSON block the page renders
   (#dashboard-data). Charts are decorative for screen readers (aria-hidden): each is followed
   by a table with the same numbers. No animation, so nothing moves and screenshots are whole. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) {
    return;
  }
  var data = JSON.parse(node.textContent);
  var dark = data.theme === "dark";
  var font = data.big ? 15 : 12;
  var palette = ["#1f6fb2", "#e0a100", "#2e8b57", "#a4262c", "#6a4c93", "#00838f", "#8d6e63"];
  var warningColors = { "已超期": "#c62828", "即将到期": "#f2b600", "正常": "#2e7d32", "计时暂停": "#78909c" };
  var markerColor = dark ? "#ffffff" : "#1b1b1b";

  function pieOption(spec, base) {
    base.series = [{
      name: spec.series[0].name,
      type: "pie",
      radius: ["32%", "62%"],
      label: { fontSize: font, formatter: "{b} {c}" },
      data: spec.categories.map(function (name, i) {
        return { name: name, value: spec.series[0].data[i] };
      })
    }];
    return base;
  }

  function visibleRows(el) {
    // As many category rows as fit the chart's height, two lines of text each.
    return Math.max(5, Math.floor((el.clientHeight - 40) / (font * 2.1)));
  }

  function axisOption(spec, base, el) {
    var horizontal = spec.type === "hbar";
    var rows = visibleRows(el);
    var category = {
      type: "category",
      data: spec.categories,
      inverse: horizontal,
      axisTick: { alignWithLabel: true },
      axisLabel: { fontSize: font, interval: 0, width: horizontal ? font * 8 : undefined, overflow: "truncate" }
    };
    var value = { type: "value", name: spec.unit, nameTextStyle: { fontSize: font }, axisLabel: { fontSize: font } };
    base.xAxis = horizontal ? value : category;
    base.yAxis = horizontal ? category : value;
    if (horizontal && spec.categories.length > rows) {
      base.dataZoom = [
        { type: "inside", yAxisIndex: 0, startValue: 0, endValue: rows - 1, zoomOnMouseWheel: false, moveOnMouseWheel: true },
        { type: "slider", yAxisIndex: 0, startValue: 0, endValue: rows - 1, width: 12, right: 2, showDetail: false }
      ];
      base.grid.right = 24;
    }
    var fewBars = spec.categories.length * spec.series.length <= 12;
    base.series = spec.series.map(function (series) {
      if (series.kind === "marker") {
        return {
          name: series.name, type: "scatter", data: series.data, z: 5,
          symbol: "rect", symbolSize: horizontal ? [3, font * 1.2] : [font * 1.2, 3],
          itemStyle: { color: markerColor }
        };
      }
      var drawn = {
        name: series.name,
        type: spec.type === "line" ? "line" : "bar",
        data: series.data,
        barMaxWidth: font * 2.5,
        label: { show: fewBars || spec.type === "line", position: horizontal ? "right" : "top", fontSize: font }
      };
      if (spec.id === "chart-warnings") {
        drawn.data = series.data.map(function (v, i) {
          return { value: v, itemStyle: { color: warningColors[spec.categories[i]] } };
        });
      }
      if (spec.type === "line") {
        drawn.areaStyle = { opacity: 0.15 };
      }
      return drawn;
    });
    return base;
  }

  function optionFor(spec, el) {
    var base = {
      animation: false,
      backgroundColor: "transparent",
      color: palette,
      textStyle: { fontSize: font },
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", confine: true },
      grid: { left: 8, right: 16, top: spec.series.length > 1 ? 30 : 24, bottom: 4, containLabel: true }
    };
    if (spec.series.length > 1) {
      base.legend = { top: 0, right: 0, textStyle: { fontSize: font } };
    }
    return spec.type === "pie" ? pieOption(spec, base) : axisOption(spec, base, el);
  }

  var charts = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) {
      return;
    }
    var chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
    chart.setOption(optionFor(spec, el));
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
