/* medres explorer: plain JavaScript over data.js (window.MEDRES_EXPLORER_DATA), no library and no
 * network request. The page's state (indicator, year, province, resource, Theil form, regions) is
 * kept in the URL fragment, so a view can be bookmarked or shared as a file link. */
(function () {
  "use strict";
  var D = window.MEDRES_EXPLORER_DATA;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var $ = function (id) { return document.getElementById(id); };
  var indicators = {};
  D.indicators.forEach(function (ind) { indicators[ind.id] = ind; });
  var provinceIndex = {};
  D.provinces.forEach(function (p, i) { provinceIndex[p.code] = i; });
  var state = {
    indicator: D.indicators[0].id, year: String(D.report_year), province: "",
    resource: "beds_10k", form: "theil_t", grouping: D.groupings[0] || "region_3"
  };

  /* --- Formatting and colour ------------------------------------------------------------------ */

  function fmt(value, decimals) {
    if (value === null || value === undefined) return "no data";
    return Number(value).toLocaleString("en-US", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
  }
  function withUnit(ind, value) {
    if (value === null || value === undefined) return "no data";
    var text = fmt(value, ind.decimals);
    if (ind.unit === "%") return text + "%";
    return ind.unit ? text + " " + ind.unit : text;
  }
  function hexToRgb(hex) {
    return [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); });
  }
  function interpolate(stops, t) {
    t = Math.max(0, Math.min(1, t));
    var x = t * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
    var a = hexToRgb(stops[i]), b = hexToRgb(stops[i + 1]);
    return "rgb(" + a.map(function (c, k) { return Math.round(c + (b[k] - c) * f); }).join(",") + ")";
  }
  var domains = {};
  function domain(ind) {
    if (domains[ind.id]) return domains[ind.id];
    var lo = Infinity, hi = -Infinity;
    Object.keys(ind.values).forEach(function (y) {
      ind.values[y].v.forEach(function (v) {
        if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    if (lo === Infinity) { lo = 0; hi = 1; }
    if (hi === lo) hi = lo + 1;
    domains[ind.id] = [lo, hi];
    return domains[ind.id];
  }
  function gradeColor(grade) {
    var stops = D.colors.grades, n = stops.length;
    /* grade 1 (best) darkest */
    return stops[Math.max(0, Math.min(n - 1, grade - 1))];
  }
  function colorFor(ind, value) {
    if (value === null || value === undefined) return "#d9d9d9";
    if (ind.kind === "grade") return gradeColor(value);
    var d = domain(ind);
    return interpolate(D.colors.continuous, (value - d[0]) / (d[1] - d[0]));
  }

  /* --- Data access ------------------------------------------------------------------------------ */

  function cell(ind, year, code) {
    var y = ind.values[String(year)], i = provinceIndex[code];
    if (!y) return { value: null, rank: null, n: 0 };
    var n = y.v.filter(function (v) { return v !== null; }).length;
    return { value: y.v[i], rank: y.r[i], n: n };
  }
  function grade(year, code) {
    var y = D.grades[String(year)];
    return y ? y.v[provinceIndex[code]] : null;
  }
  function gradeText(g) {
    if (g === null || g === undefined) return "not graded";
    var label = D.grade_labels[String(g)];
    return String(g) + (label ? " (" + label + ")" : "");
  }
  function cityYear(year) {
    var ys = D.city_years, y = Number(year);
    if (!ys.length) return null;
    if (y > ys[ys.length - 1]) return ys[ys.length - 1];
    if (y < ys[0]) return ys[0];
    return y;
  }

  /* --- SVG helpers ------------------------------------------------------------------------------ */

  function el(name, attrs, parent, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function linePath(points) {
    var d = "", pen = false;
    points.forEach(function (p) {
      if (p === null) { pen = false; return; }
      d += (pen ? "L" : "M") + p[0].toFixed(1) + "," + p[1].toFixed(1);
      pen = true;
    });
    return d;
  }
  function niceTicks(lo, hi, count) {
    var span = hi - lo || 1, step = Math.pow(10, Math.floor(Math.log10(span / count)));
    [1, 2, 5, 10].some(function (m) { if (span / (step * m) <= count) { step *= m; return true; } return false; });
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
    return ticks;
  }

  /* --- The map ---------------------------------------------------------------------------------- */

  var paths = Array.prototype.slice.call(document.querySelectorAll("#map .province"));
  function describe(code) {
    var ind = indicators[state.indicator], c = cell(ind, state.year, code);
    var p = D.provinces[provinceIndex[code]];
    return {
      province: p, value: c.value, rank: c.rank, n: c.n, grade: grade(state.year, code),
      text: p.en + " " + p.zh + " — " + ind.short + " " + state.year + ": " + withUnit(ind, c.value) +
        (c.rank ? ", rank " + c.rank + " of " + c.n : "") + "; RSR grade " + gradeText(grade(state.year, code))
    };
  }
  function renderMap() {
    var ind = indicators[state.indicator];
    paths.forEach(function (path) {
      var code = path.getAttribute("data-code"), info = describe(code);
      path.setAttribute("fill", colorFor(ind, info.value));
      path.setAttribute("data-value", info.value === null ? "" : String(info.value));
      path.setAttribute("aria-label", info.text);
      path.setAttribute("aria-pressed", code === state.province ? "true" : "false");
      path.classList.toggle("selected", code === state.province);
    });
    $("map-title").textContent = ind.label + ", " + state.year;
    var note = ind.note || "";
    if (!ind.values[state.year]) note = "No values for " + state.year + ". " + note;
    $("indicator-note").textContent = note;
    renderLegend(ind);
    renderRanking(ind);
  }
  function renderRanking(ind) {
    var body = $("ranking").tBodies[0];
    clear(body);
    var rows = D.provinces.map(function (p) { return [p, cell(ind, state.year, p.code)]; });
    rows.sort(function (a, b) {
      var ra = a[1].rank === null ? Infinity : a[1].rank, rb = b[1].rank === null ? Infinity : b[1].rank;
      return ra - rb || (a[0].en < b[0].en ? -1 : 1);
    });
    rows.forEach(function (row) {
      var p = row[0], c = row[1], tr = document.createElement("tr");
      if (p.code === state.province) tr.className = "selected";
      [c.rank === null ? "—" : String(c.rank), p.en + " " + p.zh, withUnit(ind, c.value),
        gradeText(grade(state.year, p.code)), p.region3].forEach(function (text, i) {
        var td = document.createElement(i === 1 ? "th" : "td");
        if (i === 1) td.setAttribute("scope", "row");
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function renderLegend(ind) {
    var legend = $("legend");
    clear(legend);
    var add = function (tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined) node.textContent = text;
      legend.appendChild(node);
      return node;
    };
    if (ind.kind === "grade") {
      Object.keys(D.grade_labels).forEach(function (g) {
        var item = add("span");
        var sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = gradeColor(Number(g));
        item.appendChild(sw);
        item.appendChild(document.createTextNode(g + " " + D.grade_labels[g]));
      });
    } else {
      var d = domain(ind);
      add("span", "", fmt(d[0], ind.decimals));
      var bar = add("span", "bar");
      for (var i = 0; i < 9; i++) {
        var s = document.createElement("span");
        s.style.background = interpolate(D.colors.continuous, i / 8);
        bar.appendChild(s);
      }
      add("span", "", fmt(d[1], ind.decimals) + (ind.unit ? " " + ind.unit : "") + " (scale fixed across years)");
    }
    var sw = add("span");
    var miss = document.createElement("span");
    miss.className = "swatch";
    miss.style.background = "#d9d9d9";
    sw.appendChild(miss);
    sw.appendChild(document.createTextNode("no data"));
  }
  var tooltip = $("tooltip");
  function showTooltip(path, event) {
    var info = describe(path.getAttribute("data-code"));
    var ind = indicators[state.indicator];
    clear(tooltip);
    var lines = [
      [info.province.en + " " + info.province.zh, true],
      [ind.short + " (" + state.year + "): " + withUnit(ind, info.value)],
      ["Rank: " + (info.rank ? info.rank + " of " + info.n : "—")],
      ["RSR grade: " + gradeText(info.grade)]
    ];
    lines.forEach(function (line, i) {
      var node = document.createElement(line[1] ? "strong" : "div");
      node.textContent = line[0];
      tooltip.appendChild(node);
      if (i === 0) tooltip.appendChild(document.createElement("br"));
    });
    var wrap = tooltip.parentNode.getBoundingClientRect(), x, y;
    if (event && event.clientX !== undefined) {
      x = event.clientX - wrap.left + 14; y = event.clientY - wrap.top + 14;
    } else {
      var box = path.getBoundingClientRect();
      x = box.left - wrap.left + box.width / 2; y = box.top - wrap.top + box.height / 2;
    }
    tooltip.hidden = false;
    x = Math.min(x, wrap.width - tooltip.offsetWidth - 4);
    tooltip.style.left = Math.max(0, x) + "px";
    tooltip.style.top = y + "px";
  }
  function hideTooltip() { tooltip.hidden = true; }
  paths.forEach(function (path) {
    path.addEventListener("mousemove", function (e) { showTooltip(path, e); });
    path.addEventListener("mouseleave", hideTooltip);
    path.addEventListener("focus", function () { showTooltip(path); });
    path.addEventListener("blur", hideTooltip);
    path.addEventListener("click", function () { selectProvince(path.getAttribute("data-code")); });
    path.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selectProvince(path.getAttribute("data-code"));
      }
    });
  });

  /* --- The province panel ----------------------------------------------------------------------- */

  function renderProvince() {
    var summary = $("province-summary"), code = state.province;
    clear(summary);
    $("download-cities").disabled = !code;
    var para = function (text, cls) {
      var p = document.createElement("p");
      if (cls) p.className = cls;
      p.textContent = text;
      summary.appendChild(p);
      return p;
    };
    if (!code) {
      $("province-title").textContent = "Province";
      para("Select a province on the map or in the Province list.");
      clear($("trend"));
      $("trend-caption").textContent = "Trend of the selected indicator (select a province).";
      clear($("cities").tBodies[0]);
      $("cities-note").textContent = "";
      return;
    }
    var ind = indicators[state.indicator], info = describe(code), p = info.province;
    $("province-title").textContent = p.en + " " + p.zh;
    para(p.en + " " + p.zh + " · " + p.region3 + " region", "");
    var v = para(ind.short + ", " + state.year + ": ", "");
    var strong = document.createElement("span");
    strong.className = "value";
    strong.id = "province-value";
    strong.textContent = withUnit(ind, info.value);
    v.appendChild(strong);
    para("Rank " + (info.rank ? info.rank + " of " + info.n : "—") + " · RSR grade " + gradeText(info.grade));
    var national = ind.national[state.year];
    if (national !== undefined && national !== null) {
      para("31 provinces together (Σ resource ÷ Σ population): " + withUnit(ind, national));
    }
    renderTrend(ind, code);
    renderCities(code);
  }
  function renderTrend(ind, code) {
    var svg = $("trend"), W = 460, H = 220, L = 52, R = 110, T = 12, B = 28;
    clear(svg);
    var years = D.years, series = years.map(function (y) { return cell(ind, y, code).value; });
    var national = years.map(function (y) {
      var v = ind.national[String(y)];
      return v === undefined ? null : v;
    });
    var all = series.concat(national).filter(function (v) { return v !== null; });
    var p = D.provinces[provinceIndex[code]];
    if (!all.length) {
      el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg, "No values for this indicator.");
      $("trend-caption").textContent = ind.short + " of " + p.en + ": no values.";
      return;
    }
    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
    if (ind.kind === "grade") { lo = 1; hi = Math.max(hi, Object.keys(D.grade_labels).length); }
    else { var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1; lo -= pad; hi += pad; }
    var invert = ind.kind === "grade";
    var x = function (i) { return L + (W - L - R) * (years.length === 1 ? 0.5 : i / (years.length - 1)); };
    var y = function (v) {
      var t = (v - lo) / (hi - lo);
      return invert ? T + (H - T - B) * t : H - B - (H - T - B) * t;
    };
    var ticks = ind.kind === "grade" ? Object.keys(D.grade_labels).map(Number) : niceTicks(lo, hi, 5);
    ticks.forEach(function (t) {
      if (t < lo || t > hi) return;
      el("line", { x1: L, x2: W - R, y1: y(t), y2: y(t), "class": "grid" }, svg);
      el("text", { x: L - 6, y: y(t) + 4, "text-anchor": "end" }, svg, fmt(t, ind.kind === "grade" ? 0 : Math.max(0, ind.decimals - 1)));
    });
    years.forEach(function (yr, i) {
      if (years.length > 10 && i % 2) return;
      el("text", { x: x(i), y: H - B + 16, "text-anchor": "middle" }, svg, String(yr));
    });
    var cur = years.indexOf(Number(state.year));
    if (cur >= 0) el("line", { x1: x(cur), x2: x(cur), y1: T, y2: H - B, "class": "current-year" }, svg);
    el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis" }, svg);
    var pts = function (vals) { return vals.map(function (v, i) { return v === null ? null : [x(i), y(v)]; }); };
    var label = function (vals, text, cls) {
      for (var i = vals.length - 1; i >= 0; i--) {
        if (vals[i] !== null) {
          el("text", { x: x(i) + 6, y: y(vals[i]) + 4, "class": cls + "-label" }, svg, text);
          return;
        }
      }
    };
    if (national.some(function (v) { return v !== null; })) {
      el("path", { d: linePath(pts(national)), "class": "series-national" }, svg);
      label(national, "31 provinces", "national");
    }
    el("path", { d: linePath(pts(series)), "class": "series-province" }, svg);
    series.forEach(function (v, i) {
      if (v !== null) el("circle", { cx: x(i), cy: y(v), r: 3, fill: "#440154" }, svg);
    });
    label(series, p.en, "province");
    $("trend-caption").textContent = ind.short + " of " + p.en + " " + p.zh + " by year" +
      (national.some(function (v) { return v !== null; })
        ? " (solid) and the 31 provinces together as a ratio of sums (dashed)." : ".") +
      (ind.kind === "grade" ? " Grade 1 (best) at the top." : "");
  }
  function cityRows(code) {
    var cy = cityYear(state.year);
    var rows = (D.cities[code] || {})[String(cy)] || [];
    return { year: cy, rows: rows };
  }
  function renderCities(code) {
    var body = $("cities").tBodies[0], c = cityRows(code);
    clear(body);
    var p = D.provinces[provinceIndex[code]];
    var sum = function (k) {
      return c.rows.reduce(function (a, r) { return a + (r[k] === null ? 0 : r[k]); }, 0);
    };
    var note = "Prefecture-level cities (" + D.city_years[0] + "–" +
      D.city_years[D.city_years.length - 1] + "), year " + c.year;
    if (String(c.year) !== state.year) note += " (the nearest city year to " + state.year + ")";
    note += ": " + c.rows.length + " cities by beds per 1,000 (no city boundaries exist). " +
      "Contribution: the city's term of the within-province Theil T of all cities, in % " +
      "(negative: less of its province's resource than of its population); " + p.en +
      "'s cities together: beds " + fmt(sum(4), 1) + "%, doctors " + fmt(sum(5), 1) + "%.";
    $("cities-note").textContent = note;
    c.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [r[0], fmt(r[1], 2), fmt(r[2], 2), r[3] === null ? "—" : fmt(r[3] * 100, 1),
        r[4] === null ? "—" : fmt(r[4], 2), r[5] === null ? "—" : fmt(r[5], 2)].forEach(function (text, i) {
        var td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { td.setAttribute("scope", "row"); td.lang = "zh"; }
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  /* --- Inequality: Lorenz curve and Theil decomposition ------------------------------------------ */

  function renderInequality() {
    var resource = state.resource, year = state.year, label = D.resources[resource] || resource;
    var svg = $("lorenz"), S = 320, M = 52, inner = S - M - 22;
    clear(svg);
    var px = function (v) { return M + inner * v; }, py = function (v) { return 10 + inner * (1 - v); };
    el("text", { x: px(0.5), y: py(0) + 32, "text-anchor": "middle" }, svg,
      "cumulative share of population or land area");
    el("text", { x: 0, y: 0, "text-anchor": "middle",
      transform: "translate(12," + py(0.5) + ") rotate(-90)" }, svg, "cumulative share of " + label);
    [0, 0.25, 0.5, 0.75, 1].forEach(function (t) {
      el("line", { x1: px(t), x2: px(t), y1: py(0), y2: py(1), "class": "grid" }, svg);
      el("line", { x1: px(0), x2: px(1), y1: py(t), y2: py(t), "class": "grid" }, svg);
      el("text", { x: px(t), y: py(0) + 14, "text-anchor": "middle" }, svg, (t * 100) + "%");
      el("text", { x: px(0) - 4, y: py(t) + 4, "text-anchor": "end" }, svg, (t * 100) + "%");
    });
    el("line", { x1: px(0), y1: py(0), x2: px(1), y2: py(1), "class": "equality" }, svg);
    var curves = ((D.lorenz[resource] || {})[year]) || {};
    var gini = ((D.gini[resource] || {})[year]) || {};
    var parts = [];
    [["population", "series-population", "population"], ["land_area", "series-land", "land area"]].forEach(function (b) {
      var pts = curves[b[0]];
      if (!pts) return;
      el("path", { d: linePath(pts.map(function (p) { return [px(p[0]), py(p[1])]; })), "class": b[1] }, svg);
      parts.push("against " + b[2] + (b[0] === "population" ? " (solid)" : " (dashed)") +
        ": Gini " + fmt(gini[b[0]], 3));
    });
    $("lorenz-caption").textContent = parts.length
      ? "Lorenz curves of " + label + ", " + year + ", provinces sorted by " + label +
        " per unit; " + parts.join("; ") + ". Dotted: equality."
      : "No Lorenz curve of " + label + " for " + year + ".";

    var entry = ((((D.theil[resource] || {})[year]) || {})[state.form] || {})[state.grouping];
    var bar = $("theil-bar"), body = $("theil-groups").tBodies[0];
    clear(bar);
    clear(body);
    if (!entry || !entry.total) {
      $("theil-summary").textContent = "No Theil decomposition of " + label + " for " + year + ".";
      return;
    }
    var between = entry.between, within = entry.within, W = 420;
    var bw = Math.max(0, Math.min(1, between[1] / 100)) * W;
    el("rect", { x: 0, y: 8, width: bw, height: 26, fill: "#3b528b" }, bar);
    el("rect", { x: bw, y: 8, width: W - bw, height: 26, fill: "#5ec962" }, bar);
    el("text", { x: 4, y: 52 }, bar, "between " + fmt(between[1], 1) + "%");
    el("text", { x: W - 4, y: 52, "text-anchor": "end" }, bar, "within " + fmt(within[1], 1) + "%");
    var formName = state.form === "theil_t" ? "Theil T" : "Theil L";
    $("theil-summary").textContent = formName + " of " + label + ", " + year + ": " + fmt(entry.total[0], 4) +
      " = between regions " + fmt(between[0], 4) + " (" + fmt(between[1], 1) + "%) + within regions " +
      fmt(within[0], 4) + " (" + fmt(within[1], 1) + "%).";
    entry.groups.forEach(function (g) {
      var tr = document.createElement("tr");
      [g[0], String(g[1]), fmt(g[2] * 100, 1) + "%", fmt(g[3] * 100, 1) + "%", fmt(g[4], 4),
        g[5] === null ? "—" : fmt(g[5], 1) + "%"].forEach(function (text, i) {
        var td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.setAttribute("scope", "row");
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  /* --- CSV download ----------------------------------------------------------------------------- */

  /* A text cell a spreadsheet could read as a formula (=, +, -, @, or a tab / carriage return
   * first) gets a leading apostrophe; numbers are written as numbers. RFC 4180 quoting. */
  function csvCell(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return String(value);
    var text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    if (/[",\r\n]/.test(text)) text = '"' + text.replace(/"/g, '""') + '"';
    return text;
  }
  function csvText(rows) {
    return rows.map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
  }
  function mapRows() {
    var ind = indicators[state.indicator];
    var rows = [["province_en", "province_zh", "region_code", "region_3", "year", "indicator",
      "value", "rank", "provinces_ranked", "rsr_grade", "national_ratio_of_sums"]];
    D.provinces.forEach(function (p) {
      var c = cell(ind, state.year, p.code), n = ind.national[state.year];
      rows.push([p.en, p.zh, p.code, p.region3, Number(state.year), ind.label, c.value, c.rank, c.n,
        grade(state.year, p.code), n === undefined ? null : n]);
    });
    return rows;
  }
  function cityCsvRows(code) {
    var c = cityRows(code), p = D.provinces[provinceIndex[code]];
    var rows = [["city_zh", "province_en", "province_zh", "year", "beds_per_1000", "doctors_per_1000",
      "share_of_province_beds", "beds_theil_t_share_of_within_pct", "doctors_theil_t_share_of_within_pct"]];
    c.rows.forEach(function (r) {
      rows.push([r[0], p.en, p.zh, c.year, r[1], r[2], r[3], r[4], r[5]]);
    });
    return rows;
  }
  function download(name, rows) {
    var blob = new Blob(["\ufeff" + csvText(rows)], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  $("download-map").addEventListener("click", function () {
    download("medres_" + state.indicator + "_" + state.year + ".csv", mapRows());
  });
  $("download-cities").addEventListener("click", function () {
    if (!state.province) return;
    var p = D.provinces[provinceIndex[state.province]];
    download("medres_cities_" + p.en.replace(/\W+/g, "_") + "_" + cityYear(state.year) + ".csv",
      cityCsvRows(state.province));
  });

  /* --- State, controls and the URL fragment ------------------------------------------------------ */

  function writeHash() {
    var parts = ["indicator", "year", "province", "resource", "form", "grouping"].map(function (k) {
      return k + "=" + encodeURIComponent(state[k]);
    });
    if (window.history && history.replaceState) history.replaceState(null, "", "#" + parts.join("&"));
  }
  function readHash() {
    (location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i < 0) return;
      var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (k === "indicator" && indicators[v]) state.indicator = v;
      else if (k === "year" && D.years.indexOf(Number(v)) >= 0) state.year = v;
      else if (k === "province" && (v === "" || provinceIndex[v] !== undefined)) state.province = v;
      else if (k === "resource" && D.resources[v]) state.resource = v;
      else if (k === "form" && (v === "theil_t" || v === "theil_l")) state.form = v;
      else if (k === "grouping" && D.groupings.indexOf(v) >= 0) state.grouping = v;
    });
  }
  function syncControls() {
    $("indicator").value = state.indicator;
    $("year").value = state.year;
    $("province").value = state.province;
    $("resource").value = state.resource;
    $("theil-form").value = state.form;
    $("grouping").value = state.grouping;
    var i = D.years.indexOf(Number(state.year));
    $("year-prev").disabled = i <= 0;
    $("year-next").disabled = i >= D.years.length - 1;
  }
  function render() {
    syncControls();
    renderMap();
    renderProvince();
    renderInequality();
    writeHash();
  }
  function selectProvince(code) {
    state.province = code;
    render();
  }
  $("indicator").addEventListener("change", function (e) {
    state.indicator = e.target.value;
    var resource = indicators[state.indicator].resource;
    if (resource && D.resources[resource]) state.resource = resource;
    render();
  });
  $("year").addEventListener("change", function (e) { state.year = e.target.value; render(); });
  $("province").addEventListener("change", function (e) { state.province = e.target.value; render(); });
  $("resource").addEventListener("change", function (e) { state.resource = e.target.value; render(); });
  $("theil-form").addEventListener("change", function (e) { state.form = e.target.value; render(); });
  $("grouping").addEventListener("change", function (e) { state.grouping = e.target.value; render(); });
  function stepYear(delta) {
    var i = D.years.indexOf(Number(state.year)) + delta;
    if (i < 0 || i >= D.years.length) return;
    state.year = String(D.years[i]);
    render();
  }
  $("year-prev").addEventListener("click", function () { stepYear(-1); });
  $("year-next").addEventListener("click", function () { stepYear(1); });
  $("controls").addEventListener("submit", function (e) { e.preventDefault(); });

  if (!D.resources[state.resource]) state.resource = Object.keys(D.resources)[0];
  readHash();
  render();
  window.medresExplorer = {
    state: state, csvCell: csvCell, csvText: csvText, mapRows: mapRows, cityCsvRows: cityCsvRows,
    ready: true, firstViewMs: performance.now()
  };
  document.documentElement.setAttribute("data-ready", "true");
})();
