// perfgate dashboard: charts and filters. Data comes from <script type="application/json" id="page-data">
// and from data-* attributes; it is written with textContent and attributes only, never as HTML.
"use strict";

(function () {
  const LINES_ONLY = 1500; // above this many points a series is drawn as a line without markers

  function pageData() {
    const node = document.getElementById("page-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  // Plotly reads a few HTML-like tags in labels: give it stored strings with <, > and & spelled out.
  function plain(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function groupName(s) {
    return plain([s.tier || "(no tier)", s.testbed, s.branch || "(no branch)"].join(" · "));
  }

  // Only our own relative run links are followed on a click.
  function safeHref(href) {
    return /^(\.\.\/)?run\/[0-9A-Za-z_-]+\.html$/.test(href) ? href : null;
  }

  function onClickOpen(el) {
    el.on("plotly_click", function (ev) {
      const p = ev.points && ev.points[0];
      if (!p || !p.customdata) return;
      const href = safeHref(p.customdata[4]);
      if (href) window.location.href = href;
    });
  }

  const PALETTE = ["#2f5fd0", "#d0602f", "#2f9d5a", "#8a4fc7", "#c7a02f", "#2fa3c7", "#c72f7a", "#555"];

  function rgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function benchTraces(metric) {
    const traces = [];
    const shapes = [];
    metric.series.forEach(function (s, i) {
      const color = PALETTE[i % PALETTE.length];
      const meta = { tier: s.tier, testbed: s.testbed, branch: s.branch };
      const many = s.x.length > LINES_ONLY;
      traces.push({
        x: s.bx, y: s.lo, type: "scatter", mode: "lines", line: { width: 0, color: color },
        hoverinfo: "skip", showlegend: false, meta: meta, name: "low",
      });
      traces.push({
        x: s.bx, y: s.hi, type: "scatter", mode: "lines", line: { width: 0, color: color },
        fill: "tonexty", fillcolor: rgba(color, 0.18), hoverinfo: "skip", showlegend: false,
        meta: meta, name: "high",
      });
      const branch = plain(s.branch || "-");
      const custom = s.x.map(function (_x, k) {
        return [plain(s.commit[k] || "-"), branch, s.run[k].slice(0, 10), "", "../run/" + s.run[k] + ".html"];
      });
      traces.push({
        x: s.x, y: s.y, type: "scatter", mode: many ? "lines" : "lines+markers",
        line: { width: 1.5, color: color }, marker: { size: 6, color: color },
        name: groupName(s), meta: Object.assign({ median: true }, meta), customdata: custom,
        hovertemplate: "commit %{customdata[0]}<br>branch %{customdata[1]}<br>%{x|%Y-%m-%d %H:%M}" +
          "<br>median %{y:.4s}" + plain(metric.unit) + "<br>run %{customdata[2]} (click to open)<extra></extra>",
      });
      // a change point: a dotted line through the chart, and a marker on its first point whose hover
      // says the change's size, p-value and commit range
      const cps = (s.change_points || []).filter(function (c) { return c.index >= 0 && c.index < s.x.length; });
      cps.forEach(function (c) {
        shapes.push({
          type: "line", xref: "x", yref: "paper", x0: s.x[c.index], x1: s.x[c.index], y0: 0, y1: 1,
          line: { color: "#c4302b", width: 1.5, dash: "dot" }, meta: meta,
        });
      });
      if (cps.length) {
        traces.push({
          x: cps.map(function (c) { return s.x[c.index]; }), y: cps.map(function (c) { return s.y[c.index]; }),
          type: "scatter", mode: "markers", showlegend: false, name: "change point",
          marker: { symbol: "diamond-open", size: 13, color: "#c4302b", line: { width: 2 } },
          meta: Object.assign({ changePoint: true }, meta),
          customdata: cps.map(function (c) { return [plain(c.text), branch]; }),
          hovertemplate: "%{customdata[0]}<br>branch %{customdata[1]}<br>%{x|%Y-%m-%d %H:%M}<extra></extra>",
        });
      }
    });
    return { traces: traces, shapes: shapes };
  }

  // x: UTC wall-clock strings, shown as they are. Tick labels are not measured for overflow ("allow"):
  // that measures every label once per label drawn, a fifth of the drawing of a 10,000-point chart.
  const LAYOUT = {
    margin: { l: 70, r: 20, t: 10, b: 40 },
    hovermode: "closest",
    legend: { orientation: "h", y: -0.18 },
    xaxis: { type: "date", ticklabeloverflow: "allow" },
  };
  const CONFIG = { displaylogo: false, responsive: true };

  // Says when every chart of the page is drawn: a performance mark (bench/dashboard_speed.py reads it)
  // and data-drawn on <body>.
  function drawn(promises) {
    Promise.all(promises).then(function () {
      performance.mark("perfgate:drawn");
      document.body.dataset.drawn = "true";
    });
  }

  function drawBench(data) {
    const pending = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const metric = data.metrics[Number(el.dataset.chart)];
      const built = benchTraces(metric);
      const layout = Object.assign({}, LAYOUT, {
        shapes: built.shapes,
        yaxis: { title: { text: plain(metric.unit) }, rangemode: "tozero", ticklabeloverflow: "allow" },
      });
      pending.push(Plotly.newPlot(el, built.traces, layout, CONFIG).then(function () { onClickOpen(el); }));
    });
    drawn(pending);
  }

  function selected() {
    const chosen = {};
    document.querySelectorAll("select[data-filter]").forEach(function (sel) {
      chosen[sel.dataset.filter] = sel.value;
    });
    const search = document.getElementById("search");
    chosen.search = search ? search.value.trim().toLowerCase() : "";
    return chosen;
  }

  function rowMatches(row, f) {
    for (const key of ["tier", "testbed", "branch"]) {
      if (f[key] && row.dataset[key] !== undefined && JSON.parse(row.dataset[key]).indexOf(f[key]) < 0) return false;
    }
    if (f.metric && row.dataset.metric !== undefined && row.dataset.metric !== f.metric) return false;
    if (f.search && (row.dataset.name || "").toLowerCase().indexOf(f.search) < 0) return false;
    return true;
  }

  function filterTables() {
    const f = selected();
    let shown = 0, total = 0;
    document.querySelectorAll("tr[data-name]").forEach(function (row) {
      const ok = rowMatches(row, f);
      row.classList.toggle("hidden", !ok);
      total += 1;
      if (ok) shown += 1;
    });
    const counter = document.getElementById("shown");
    if (counter && total) counter.textContent = shown + " of " + total + " shown";
  }

  function traceVisible(meta, f) {
    if (!meta || meta.tier === undefined) return true;
    return (!f.tier || meta.tier === f.tier) && (!f.testbed || meta.testbed === f.testbed) &&
      (!f.branch || meta.branch === f.branch);
  }

  function filterCharts() {
    const f = selected();
    // the overview's trend (an SVG drawn by the server): its lines and their legend entries
    document.querySelectorAll("g.trace, ul.legend li").forEach(function (node) {
      node.classList.toggle("hidden", !traceVisible(node.dataset, f));
    });
    document.querySelectorAll("section.metric").forEach(function (sec) {
      sec.classList.toggle("hidden", Boolean(f.metric) && sec.dataset.metric !== f.metric);
    });
    document.querySelectorAll(".chart").forEach(function (el) {
      if (!el.data) return;
      const vis = el.data.map(function (t) { return traceVisible(t.meta, f); });
      const shapes = (el.layout.shapes || []).map(function (s) {
        return Object.assign({}, s, { visible: traceVisible(s.meta, f) });
      });
      Plotly.update(el, { visible: vis }, { shapes: shapes });
    });
  }

  function wireFilters() {
    const form = document.getElementById("filters");
    if (!form) return;
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    const apply = function () { filterTables(); filterCharts(); };
    form.querySelectorAll("select").forEach(function (s) { s.addEventListener("change", apply); });
    const search = document.getElementById("search");
    if (search) search.addEventListener("input", apply);
    filterTables();
  }

  function main() {
    performance.mark("perfgate:start");
    const data = pageData();
    wireFilters();
    if (data.kind !== "bench") drawn([]);  // the other pages have no chart to draw (the trend is SVG)
    else if (typeof Plotly !== "undefined") drawBench(data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();
