/* Small SVG charts for the dashboard: histogram, bars, control chart, genealogy graph.
   No library: every element is built with createElementNS and text goes in as text. */
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

function frame(width, height, title) {
  const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  if (title) svg.appendChild(svgEl("text", { x: 8, y: 15, class: "title" }, title));
  return svg;
}

function scale(lo, hi, a, b) {
  const span = hi - lo || 1;
  return (v) => a + ((v - lo) / span) * (b - a);
}

/* A histogram {edges, counts, unit} titled by an output name. */
function histogramChart(title, hist) {
  const W = 320, H = 190, L = 40, R = 10, T = 24, B = 34;
  const svg = frame(W, H, title);
  const n = hist.counts.length;
  const top = Math.max(...hist.counts, 1);
  const x = scale(hist.edges[0], hist.edges[n], L, W - R);
  const y = scale(0, top, H - B, T);
  for (let i = 0; i < n; i++) {
    const x0 = x(hist.edges[i]), x1 = x(hist.edges[i + 1]);
    svg.appendChild(svgEl("rect", { class: "bar", x: x0, y: y(hist.counts[i]),
      width: Math.max(x1 - x0 - 0.5, 0.5), height: H - B - y(hist.counts[i]) }));
  }
  svg.appendChild(svgEl("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.appendChild(svgEl("text", { x: L, y: H - B + 14 }, fmt(hist.edges[0])));
  svg.appendChild(svgEl("text", { x: W - R, y: H - B + 14, "text-anchor": "end" }, fmt(hist.edges[n])));
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, `[${hist.unit}]`));
  svg.appendChild(svgEl("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, String(top)));
  return svg;
}

/* Horizontal bars: labels and values in [0, max]; format turns a value into its label. */
function barChart(title, labels, values, max, format, good) {
  const row = 20, L = 190, R = 70, T = 26;
  const W = 640, H = T + row * labels.length + 10;
  const svg = frame(W, H, title);
  const x = scale(0, max, L, W - R);
  labels.forEach((label, i) => {
    const yTop = T + i * row;
    svg.appendChild(svgEl("text", { x: L - 6, y: yTop + 13, "text-anchor": "end" }, label));
    svg.appendChild(svgEl("rect", { class: good ? "bar good" : "bar", x: L, y: yTop + 2,
      width: Math.max(x(values[i]) - L, 0), height: row - 6 }));
    svg.appendChild(svgEl("text", { x: x(values[i]) + 4, y: yTop + 13 }, format(values[i])));
  });
  return svg;
}

function limitAt(limit, i) {
  return Array.isArray(limit) ? limit[i] : limit;
}

/* One control chart {name, points, center, ucl, lcl, signals} over timestamps ts. */
function controlChart(chart, unit) {
  const W = 900, H = 240, L = 60, R = 70, T = 24, B = 28;
  const svg = frame(W, H, `${chart.name} [${unit}]`);
  const pts = chart.points;
  const vals = pts.filter((v) => v !== null);
  const lims = [chart.ucl, chart.lcl, chart.center].flat().filter((v) => v !== null && v !== undefined);
  let lo = Math.min(...vals, ...lims), hi = Math.max(...vals, ...lims);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad; hi += pad;
  const x = scale(0, Math.max(pts.length - 1, 1), L, W - R);
  const y = scale(lo, hi, H - B, T);
  const flagged = new Set(chart.signals.flatMap((s) => s.points || [s.index]));
  for (const [cls, limit, name] of [["limit", chart.ucl, "UCL"], ["limit", chart.lcl, "LCL"],
                                    ["center", chart.center, "CL"]]) {
    if (limit === null || limit === undefined) continue;
    const path = pts.map((_, i) => `${i ? "L" : "M"}${x(i)},${y(limitAt(limit, i) ?? 0)}`).join(" ");
    svg.appendChild(svgEl("path", { class: cls, d: path, fill: "none" }));
    const last = limitAt(limit, pts.length - 1);
    svg.appendChild(svgEl("text", { x: W - R + 4, y: y(last) + 4 }, `${name} ${fmt(last)}`));
  }
  let pen = "M";  // a missing point (the first moving range) lifts the pen
  const line = pts.map((v, i) => {
    if (v === null) { pen = "M"; return ""; }
    const step = `${pen}${x(i)},${y(v)}`;
    pen = "L";
    return step;
  }).join(" ");
  svg.appendChild(svgEl("path", { class: "series", d: line }));
  pts.forEach((v, i) => {
    if (v === null) return;
    svg.appendChild(svgEl("circle", { class: flagged.has(i) ? "point signal" : "point",
      cx: x(i), cy: y(v), r: flagged.has(i) ? 3.2 : 2 }));
  });
  svg.appendChild(svgEl("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.appendChild(svgEl("text", { x: L - 4, y: y(hi - pad) + 4, "text-anchor": "end" }, fmt(hi - pad)));
  svg.appendChild(svgEl("text", { x: L - 4, y: y(lo + pad) + 4, "text-anchor": "end" }, fmt(lo + pad)));
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" },
    `point (${pts.length}); ${chart.signals.length} signal(s)`));
  return svg;
}

/* The genealogy: one column per generation, edges between the objects reached. */
function genealogyGraph(reached, edges, direction) {
  const byGen = new Map();
  for (const r of reached) {
    if (!byGen.has(r.generation)) byGen.set(r.generation, []);
    byGen.get(r.generation).push(r);
  }
  const gens = [...byGen.keys()].sort((a, b) => a - b);
  const maxRows = Math.min(Math.max(...gens.map((g) => byGen.get(g).length)), 40);
  const label = (r) => `${r.kind}: ${r.object_id}`;
  const boxW = Math.min(Math.max(...reached.map((r) => label(r).length)) * 6.3 + 12, 320);
  const colW = boxW + 24, rowH = 26, T = 30;
  const W = Math.max(colW * gens.length + 20, 400), H = T + rowH * maxRows + 20;
  const svg = frame(W, H, direction === "trace" ? "upstream genealogy (generation 0 = the object searched)"
                                                 : "downstream genealogy");
  const place = new Map();
  gens.forEach((g, col) => {
    const column = direction === "trace" ? gens.length - 1 - col : col;
    byGen.get(g).slice(0, maxRows).forEach((r, row) => {
      place.set(r.object_id, { x: 10 + column * colW, y: T + row * rowH, r });
    });
  });
  for (const e of edges) {
    const a = place.get(e.parent_id), b = place.get(e.child_id);
    if (!a || !b) continue;
    svg.appendChild(svgEl("path", { class: "edge",
      d: `M${a.x + boxW},${a.y + 10} C${a.x + boxW + 12},${a.y + 10} ${b.x - 12},${b.y + 10} ${b.x},${b.y + 10}` }));
  }
  for (const { x, y, r } of place.values()) {
    const g = svgEl("g", { class: r.generation === 0 ? "node start" : "node" });
    g.appendChild(svgEl("rect", { x, y, width: boxW, height: 20, rx: 3 }));
    g.appendChild(svgEl("text", { x: x + 5, y: y + 14 }, label(r)));
    svg.appendChild(g);
  }
  return svg;
}

/* A series with its uncertainty band: mean[i] and [lo[i], hi[i]] in order of arrival;
   an optional horizontal reference line (e.g. the value a test's data were made with). */
function bandChart(title, mean, lo, hi, reference) {
  const W = 900, H = 240, L = 60, R = 30, T = 24, B = 28;
  const svg = frame(W, H, title);
  const all = [...lo, ...hi, ...(reference === undefined ? [] : [reference])];
  let min = Math.min(...all), max = Math.max(...all);
  const pad = (max - min) * 0.08 || 1e-3;
  min -= pad; max += pad;
  const x = scale(0, Math.max(mean.length - 1, 1), L, W - R);
  const y = scale(min, max, H - B, T);
  const upper = hi.map((v, i) => `${i ? "L" : "M"}${x(i)},${y(v)}`).join(" ");
  const lower = lo.map((v, i) => `L${x(lo.length - 1 - i)},${y(lo[lo.length - 1 - i])}`).join(" ");
  svg.appendChild(svgEl("path", { class: "band", d: `${upper} ${lower} Z` }));
  if (reference !== undefined) {
    svg.appendChild(svgEl("line", { class: "center", x1: L, x2: W - R, y1: y(reference), y2: y(reference) }));
  }
  svg.appendChild(svgEl("path", { class: "series", d: mean.map((v, i) => `${i ? "L" : "M"}${x(i)},${y(v)}`).join(" ") }));
  svg.appendChild(svgEl("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.appendChild(svgEl("text", { x: L - 4, y: y(max - pad) + 4, "text-anchor": "end" }, fmt(max - pad)));
  svg.appendChild(svgEl("text", { x: L - 4, y: y(min + pad) + 4, "text-anchor": "end" }, fmt(min + pad)));
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" },
    `reading (${mean.length}); band: 95 %`));
  return svg;
}

const PALETTE = ["#1f6fb2", "#c0641c", "#3c9a5f", "#8e44ad", "#b3261e", "#5d6b7a", "#d4a017", "#17a2b8"];

/* Axes over [x0, x1] x [y0, y1] with their end values and labels; returns the scales. */
function axes(svg, W, H, L, R, T, B, xr, yr, xLabel, yLabel) {
  const x = scale(xr[0], xr[1], L, W - R), y = scale(yr[0], yr[1], H - B, T);
  svg.appendChild(svgEl("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.appendChild(svgEl("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
  svg.appendChild(svgEl("text", { x: L, y: H - B + 14 }, fmt(xr[0])));
  svg.appendChild(svgEl("text", { x: W - R, y: H - B + 14, "text-anchor": "end" }, fmt(xr[1])));
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, xLabel));
  svg.appendChild(svgEl("text", { x: L - 4, y: H - B, "text-anchor": "end" }, fmt(yr[0])));
  svg.appendChild(svgEl("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, fmt(yr[1])));
  svg.appendChild(svgEl("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle",
    transform: `rotate(-90 12 ${(T + H - B) / 2})` }, yLabel));
  return { x, y };
}

function extent(values) {
  const lo = Math.min(...values), hi = Math.max(...values);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/* Curves [{label, x: [], y: []}] on shared axes, with a legend. */
function lineChart(title, series, xLabel, yLabel) {
  const W = 900, H = 300, L = 64, R = 150, T = 26, B = 34;
  const svg = frame(W, H, title);
  const xs = series.flatMap((s) => s.x);  // x from its first to its last value: no padding
  const { x, y } = axes(svg, W, H, L, R, T, B, [Math.min(...xs), Math.max(...xs)],
    extent(series.flatMap((s) => s.y)), xLabel, yLabel);
  series.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    svg.appendChild(svgEl("path", { class: "curve", stroke: colour,
      d: s.x.map((v, i) => `${i ? "L" : "M"}${x(v).toFixed(1)},${y(s.y[i]).toFixed(1)}`).join(" ") }));
    svg.appendChild(svgEl("line", { x1: W - R + 12, x2: W - R + 30, y1: T + 10 + 16 * k, y2: T + 10 + 16 * k,
      stroke: colour, "stroke-width": 3 }));
    svg.appendChild(svgEl("text", { x: W - R + 36, y: T + 14 + 16 * k }, s.label));
  });
  return svg;
}

/* Points [{x, y, chosen}] (e.g. a Pareto front); chosen points are marked. */
function scatterChart(title, points, xLabel, yLabel) {
  const W = 900, H = 320, L = 64, R = 30, T = 26, B = 34;
  const svg = frame(W, H, title);
  const { x, y } = axes(svg, W, H, L, R, T, B, extent(points.map((p) => p.x)),
    extent(points.map((p) => p.y)), xLabel, yLabel);
  for (const p of [...points].sort((a, b) => a.chosen - b.chosen)) {
    svg.appendChild(svgEl("circle", { class: p.chosen ? "dot chosen" : "dot", cx: x(p.x), cy: y(p.y),
      r: p.chosen ? 6 : 4 }));
  }
  return svg;
}

window.charts = { histogramChart, barChart, controlChart, genealogyGraph, bandChart, lineChart,
  scatterChart, fmt };
