/* The gigatwin dashboard: talks only to the REST API (/api/v1) with the user's token.
   What the user's role may not do is not shown (data-role on navigation links). */
"use strict";

const API = "/api/v1";
const ROLES = ["viewer", "engineer", "admin"];
const state = { token: sessionStorage.getItem("gigatwin.token"), me: null, loaded: {} };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}

function may(role) {
  return state.me && ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
}

class ApiError extends Error {}

async function api(path, { method = "GET", body, form, params } = {}) {
  const url = new URL(API + path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    for (const item of [].concat(v)) if (item !== "" && item !== null && item !== undefined) url.searchParams.append(k, item);
  }
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let payload;
  if (form) { payload = new URLSearchParams(form); }
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const response = await fetch(url, { method, headers, body: payload });
  if (response.status === 401 && path !== "/auth/token") { logout(); throw new ApiError("please log in again"); }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(data.detail)
      ? data.detail.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ") : data.detail;
    throw new ApiError(detail || `${response.status} ${response.statusText}`);
  }
  return data;
}

/* -- session ------------------------------------------------------------------------ */
async function login(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  $("#login-error").textContent = "";
  try {
    const token = await api("/auth/token", { method: "POST", form: { username: form.get("username"), password: form.get("password") } });
    state.token = token.access_token;
    sessionStorage.setItem("gigatwin.token", state.token);
    await start();
  } catch (err) { $("#login-error").textContent = err.message; }
}

function logout() {
  closeStream(); closeLiveStream(); state.monitor = null;
  state.token = null; state.me = null; state.loaded = {};
  sessionStorage.removeItem("gigatwin.token");
  $("#nav").hidden = true; $("#logout").hidden = true; $("#who").textContent = "";
  show("login");
}

async function start() {
  state.me = await api("/auth/me");
  $("#who").textContent = `${state.me.name} (${state.me.role})`;
  for (const item of document.querySelectorAll("[data-role]")) {  // links, forms, buttons
    item.hidden = !may(item.dataset.role);
  }
  $("#nav").hidden = false; $("#logout").hidden = false;
  route();
}

const PAGES = { spec: loadSpec, twin: loadTwin, factory: loadFactory, spc: loadSpc, trace: loadTrace,
  live: loadLive, perf: loadPerf, design: loadDesign, admin: loadAdmin };

function show(page) {
  for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== `page-${page}`;
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === page);
}

function route() {
  if (!state.me) { show("login"); return; }
  let page = location.hash.slice(1) || "spec";
  const link = document.querySelector(`#nav a[data-page="${page}"]`);
  if (!link || link.hidden) page = "spec";
  show(page);
  if (page !== "spc") closeStream();  // a page's stream is open while the page is shown
  else if (state.loaded.spc && !state.stream) openStream();
  if (page !== "live") closeLiveStream();
  else if (state.loaded.live && !state.liveStream) openLiveStream();
  if (!state.loaded[page]) {
    state.loaded[page] = true;
    PAGES[page]().catch((err) => console.error(err));
  }
}

function rows(tbody, items, cells) {
  tbody.replaceChildren(...items.map((item) => el("tr", {}, ...cells(item).map((c) =>
    c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c)))));
}
const num = (v) => el("td", { class: "num" }, charts.fmt(v));

/* -- specification ------------------------------------------------------------------ */
async function loadSpec() {
  const steps = await api("/spec/steps");
  const select = $("#spec-filter select[name=step]");
  for (const s of steps) select.append(el("option", { value: s.key }, `${s.name} (${s.parameters})`));
  $("#spec-filter").addEventListener("input", refreshSpec);
  $("#spec-filter").addEventListener("submit", (e) => { e.preventDefault(); refreshSpec(); });
  await refreshSpec();
}

function range(r) { return r ? r.as_given : ""; }

async function refreshSpec() {
  const params = Object.fromEntries(new FormData($("#spec-filter")));
  const found = await api("/spec/parameters", { params });
  $("#spec-count").textContent = `${found.length} parameters`;
  rows($("#spec-table tbody"), found, (p) => [p.step, el("td", { class: "mono" }, p.key), p.role, p.label,
    p.kind === "quantity" ? p.display_unit : p.kind, range(p.typical), p.online]);
  [...$("#spec-table tbody").children].forEach((tr, i) => tr.addEventListener("click", () => specDetail(found[i])));
}

function specDetail(p) {
  const items = [["key", p.key], ["step", p.step], ["role", p.role], ["description", p.description],
    ["SI unit", p.unit], ["display unit", p.display_unit], ["typical", range(p.typical)],
    ["physical", range(p.physical)], ["measurable", p.online], ["measured by", p.measurement.join(", ")],
    ["accuracy", p.accuracy || ""], ["models", p.models.join(", ")], ["IRI", p.iri]];
  const dl = el("dl");
  for (const [k, v] of items) dl.append(el("dt", {}, k), el("dd", {}, v));
  $("#spec-detail").replaceChildren(el("h2", {}, p.label), dl);
}

/* -- twin --------------------------------------------------------------------------- */
// cell outputs drawn first (spec keys of the step "cell"; docs/spec.md); any others follow
const CELL_OUTPUTS = ["cell_capacity", "cell_energy", "gravimetric_energy_density", "volumetric_energy_density",
  "np_ratio", "cell_nominal_voltage", "cell_self_discharge_k_value", "cell_mass"];

async function loadTwin() {
  const recipes = await api("/recipes");
  const select = $("#twin-form select[name=example]");
  for (const r of recipes) select.append(el("option", { value: r.name }, r.title));
  $("#twin-form").addEventListener("submit", runTwin);
  $("#twin-cancel").addEventListener("click", () => cancelJob(state.twinJob));
  await refreshJobs();
  const last = sessionStorage.getItem("gigatwin.twinJob");  // a run from before a reload
  if (last) followJob(last);
}

/* A simulation runs as a background job (POST /jobs): the page follows its progress
   and shows the result when it is done; the job id is kept in sessionStorage, so a
   reloaded page follows the same job. */
async function runTwin(event) {
  event.preventDefault();
  const form = Object.fromEntries(new FormData(event.target));
  $("#twin-status").textContent = `submitting ${form.samples} cells...`;
  try {
    const job = await api("/jobs", { method: "POST", body: { kind: "simulation",
      params: { example: form.example, samples: Number(form.samples), seed: Number(form.seed) } } });
    sessionStorage.setItem("gigatwin.twinJob", job.job_id);
    await followJob(job.job_id);
  } catch (err) { $("#twin-status").textContent = `error: ${err.message}`; }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function followJob(id) {
  state.twinJob = id;
  try {
    for (;;) {
      if (state.twinJob !== id) return;  // another run took over
      const job = await api(`/jobs/${encodeURIComponent(id)}`);
      const running = job.state === "queued" || job.state === "running";
      $("#twin-progress").hidden = !running; $("#twin-cancel").hidden = !running;
      $("#twin-progress").value = job.progress;
      if (running) {
        $("#twin-status").textContent = `${job.state}: ${job.message || ""} (${Math.round(100 * job.progress)} %)`;
        await sleep(400);
        continue;
      }
      await refreshJobs();
      if (job.state === "done") {
        const seconds = (Date.parse(job.finished_ts) - Date.parse(job.started_ts)) / 1000;
        showTwin(await api(`/jobs/${encodeURIComponent(id)}/result`), seconds);
      } else {
        $("#twin-status").textContent = `${job.state}${job.error ? `: ${job.error}` : ""}`;
      }
      return;
    }
  } catch (err) {
    $("#twin-status").textContent = `error: ${err.message}`;
    if (err.message.includes("no job")) sessionStorage.removeItem("gigatwin.twinJob");
  }
}

async function cancelJob(id) {
  try { await api(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" }); } catch (err) {
    $("#twin-status").textContent = `error: ${err.message}`;
  }
  await refreshJobs();
}

async function refreshJobs() {
  const jobs = await api("/jobs", { params: { mine: true, limit: 20 } });
  rows($("#jobs-table tbody"), jobs, (j) => {
    const what = j.kind === "simulation" ? `${j.params.example ?? "recipe"}, ${j.params.samples ?? ""} cells` : "";
    let action = "";
    if (j.state === "queued" || j.state === "running") {
      action = el("button", { class: "small", type: "button" }, "cancel");
      action.addEventListener("click", () => cancelJob(j.job_id));
    } else if (j.state === "done" && j.kind === "simulation") {
      action = el("button", { class: "small", type: "button" }, "show");
      action.addEventListener("click", () => { sessionStorage.setItem("gigatwin.twinJob", j.job_id); followJob(j.job_id); });
    }
    return [j.created_ts.slice(0, 19).replace("T", " "), j.kind, what,
      el("td", { class: `state ${j.state}` }, j.state + (j.error ? `: ${j.error}` : "")),
      num(100 * j.progress), el("td", {}, action)];
  });
}

function showTwin(result, seconds) {
  $("#twin-status").textContent = `${result.recipe}: ${result.samples} samples, seed ${result.seed}, ` +
    `overall yield ${(100 * result.yield.overall).toFixed(2)} % (${seconds.toFixed(1)} s)`;
  const names = Object.keys(result.histograms);
  const shown = CELL_OUTPUTS.filter((n) => names.includes(n)).concat(names.filter((n) => !CELL_OUTPUTS.includes(n))).slice(0, 8);
  $("#twin-hist").replaceChildren(...shown.map((n) => charts.histogramChart(n.replaceAll("_", " "), result.histograms[n])));
  const steps = Object.keys(result.yield);
  const values = steps.map((s) => result.yield[s] ?? 0);
  $("#twin-yield").replaceChildren(charts.barChart("fraction of cells within the recipe's limits", steps, values, 1,
    (v) => `${(100 * v).toFixed(2)} %`, true));
  const all = [];
  for (const [step, outputs] of [...Object.entries(result.steps), ["cell", result.cell]]) {
    for (const [name, q] of Object.entries(outputs)) all.push({ step, name, ...q });
  }
  const label = `${result.recipe}, ${result.samples} samples, seed ${result.seed}`;
  const before = state.previousRun && state.previousRun.label !== label ? state.previousRun : null;
  const previous = (r) => (before && before.table[`${r.step}.${r.name}`]) || null;
  $("#twin-compare").textContent = before ? `compared with the previous run: ${before.label}` : "";
  rows($("#twin-table tbody"), all, (r) => {
    const p = previous(r);
    const change = p && p.mean ? (100 * (r.mean - p.mean)) / Math.abs(p.mean) : null;
    return [r.step, el("td", { class: "mono" }, r.name), num(r.nominal), num(r.mean), num(r.std),
      num(r.p05), num(r.p95), r.unit, num(p && p.mean), num(change)];
  });
  state.previousRun = { label, table: Object.fromEntries(all.map((r) => [`${r.step}.${r.name}`, r])) };
  $("#twin-result").hidden = false;
}

/* -- factory ------------------------------------------------------------------------ */
async function loadFactory() {
  const plants = await api("/plants");
  const select = $("#factory-form select[name=plant]");
  for (const p of plants) select.append(el("option", { value: p.name }, p.title));
  $("#factory-form").addEventListener("submit", (e) => { e.preventDefault(); runFactory(); });
  await runFactory();
}

async function runFactory() {
  const name = $("#factory-form select[name=plant]").value;
  const r = await api(`/plants/${encodeURIComponent(name)}`);
  // cost_scope says what the cost covers: a conversion-only figure is never shown
  // as if it were a full cost, and an energy reference has no cost at all (null).
  const cost = r.cost_per_kwh.value === null ? "cost not modelled"
    : `${charts.fmt(r.cost_per_kwh.value)} ${r.cost_per_kwh.unit}`;
  $("#factory-summary").textContent = `${r.plant}: ${charts.fmt(r.annual_output.value)} ${r.annual_output.unit}, ` +
    `${cost} (${r.cost_scope})`;
  const steps = r.steps.filter((s) => s.kind !== "service");
  const costs = r.steps.map((s) => s.cost_per_kwh.value ?? 0);
  $("#factory-chart").replaceChildren(charts.barChart("cost per kWh by step [USD/kWh]", r.steps.map((s) => s.name),
    costs, Math.max(...costs), charts.fmt));
  rows($("#factory-table tbody"), r.steps, (s) => [s.name, num(s.machines.value), num(s.cost_per_kwh.value),
    num(s.cost_share === null ? null : 100 * s.cost_share), num(s.energy_per_cell.value), num(100 * s.energy_share),
    num(s.kind === "service" ? null : s.throughput.value), num(s.kind === "service" ? null : 100 * s.utilisation)]);
  return steps;
}

/* -- line monitor: SPC, pushed readings, alarms ------------------------------------ */
/* The chart is drawn on request; then the page follows the signal through server-sent
   events (GET /stream): each batch of new readings redraws the chart, and each alarm
   raised, cleared or acknowledged refreshes the alarm table. EventSource sends no
   headers, so the page first asks for a short-lived stream ticket (docs/api.md). */
async function loadSpc() {
  const series = await api("/spc/signals");
  const select = $("#spc-form select[name=series]");
  series.forEach((s, i) => select.append(el("option", { value: i }, `${s.key} @ ${s.asset_id ?? "-"} (${s.count})`)));
  $("#spc-status").textContent = series.length ? "" : "no numeric signal is stored yet";
  $("#spc-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const s = series[Number(select.value)];
    if (!s) return;
    state.monitor = { key: s.key, asset: s.asset_id, type: $("#spc-form select[name=type]").value, pushed: 0 };
    await drawSpc();
    openStream();  // followed even when it could not be drawn yet: readings may come
  });
  $("#alarm-filter").addEventListener("change", refreshAlarms);
  await refreshAlarms();
  openStream();  // alarms only, until a signal is charted
}

async function drawSpc() {
  const m = state.monitor;
  try {
    const out = await api("/spc/chart", { params: { key: m.key, asset: m.asset, type: m.type } });
    $("#spc-status").textContent = `${out.ts.length} points from ${out.ts[0]} to ${out.ts[out.ts.length - 1]}`;
    $("#spc-chart").replaceChildren(...out.analysis.charts.map((c) => charts.controlChart(c, out.unit)));
  } catch (err) { $("#spc-status").textContent = `error: ${err.message}`; }
}

/* At most one redraw at a time; readings pushed meanwhile cause one more. */
async function redrawSpc() {
  if (state.drawing) { state.redraw = true; return; }
  state.drawing = true;
  try { do { state.redraw = false; await drawSpc(); } while (state.redraw); } finally { state.drawing = false; }
}

function closeStream() {
  state.streamCall = (state.streamCall || 0) + 1;  // a ticket on its way is not used
  clearTimeout(state.reopen);
  if (state.stream) { state.stream.close(); state.stream = null; }
}

async function openStream() {
  closeStream();
  if (!state.me) return;
  const m = state.monitor, call = state.streamCall;
  let ticket;
  try { ticket = (await api("/stream/ticket", { method: "POST" })).ticket; } catch (err) {
    $("#spc-live").textContent = `no live updates: ${err.message}`; return;
  }
  if (call !== state.streamCall) return;  // closed, or another stream asked for, meanwhile
  const url = new URL(`${API}/stream`, location.origin);
  url.searchParams.set("ticket", ticket);
  if (m) { url.searchParams.set("key", m.key); if (m.asset) url.searchParams.set("asset", m.asset); }
  const source = new EventSource(url);
  state.stream = source;
  source.addEventListener("open", () => {
    $("#spc-live").textContent = m ? `live: following ${m.key} @ ${m.asset ?? "-"}; waiting for new readings`
      : "live: alarms are pushed as they change";
  });
  source.addEventListener("measurements", (e) => {
    const batch = JSON.parse(e.data);
    const last = batch.points[batch.points.length - 1];
    m.pushed += batch.points.length;
    $("#spc-live").textContent = `live: ${m.pushed} new reading(s) pushed; last ${charts.fmt(last.value)} ` +
      `${batch.unit} at ${last.ts.slice(0, 19).replace("T", " ")}`;
    redrawSpc();
  });
  source.addEventListener("alarm", () => refreshAlarms());
  source.addEventListener("close", (e) => {  // the service ends the stream: open a new one later
    source.close();
    $("#spc-live").textContent = `live updates paused: ${JSON.parse(e.data).reason}`;
    state.reopen = setTimeout(() => { if (state.stream === source) openStream(); }, 5000);
  });
  source.addEventListener("error", () => {  // a ticket outlives no reconnect: ask for another
    if (source.readyState !== EventSource.CLOSED || state.stream !== source) return;
    $("#spc-live").textContent = "live updates interrupted; reconnecting...";
    state.reopen = setTimeout(() => { if (state.stream === source) openStream(); }, 3000);
  });
}

async function refreshAlarms() {
  const filter = $("#alarm-filter select[name=state]").value;
  let found;
  try { found = await api("/alarms", { params: { state: filter, limit: 50 } }); } catch (err) {
    $("#alarm-error").textContent = err.message; return;
  }
  $("#alarm-count").textContent = found.length ? "" : "no alarm to show";
  rows($("#alarms-table tbody"), found, (a) => {
    let action = "";
    if (!a.acknowledged && may("engineer")) {
      const comment = el("input", { name: "comment", placeholder: "comment (optional)", maxlength: "1000" });
      const button = el("button", { class: "small", type: "button" }, "Acknowledge");
      button.addEventListener("click", () => acknowledge(a.event_id, comment.value));
      action = el("span", { class: "ack" }, comment, button);
    }
    const acked = a.acknowledged ? `${a.acked_by}, ${a.acked_ts.slice(0, 16).replace("T", " ")}` +
      (a.comment ? `: ${a.comment}` : "") : "";
    return [a.ts.slice(0, 19).replace("T", " "), a.asset_id ?? "", el("td", { class: "mono" }, a.code ?? ""),
      a.message ?? "", el("td", { class: `state ${a.state}` }, a.state), acked, el("td", {}, action)];
  });
  for (const [i, a] of found.entries()) $("#alarms-table tbody").children[i].dataset.alarm = a.event_id;
}

async function acknowledge(id, comment) {
  $("#alarm-error").textContent = "";
  try {
    await api(`/alarms/${encodeURIComponent(id)}/acknowledge`, { method: "POST", body: { comment: comment || null } });
  } catch (err) { $("#alarm-error").textContent = err.message; }
  await refreshAlarms();
}

/* -- background jobs of the performance and design pages ---------------------------- */
/* A run is a job (POST /jobs); the page reads its progress until it finishes, then its
   result. The id is kept in sessionStorage: a reloaded page follows the same job. */
async function runJob(prefix, kind, params, show) {
  $(`#${prefix}-status`).textContent = "submitting...";
  try {
    const job = await api("/jobs", { method: "POST", body: { kind, params } });
    await followKind(prefix, job.job_id, show);
  } catch (err) { $(`#${prefix}-status`).textContent = `error: ${err.message}`; }
}

async function followKind(prefix, id, show) {
  state.following = { ...(state.following || {}), [prefix]: id };
  sessionStorage.setItem(`gigatwin.${prefix}Job`, id);
  const status = $(`#${prefix}-status`), progress = $(`#${prefix}-progress`), cancel = $(`#${prefix}-cancel`);
  try {
    for (;;) {
      if (state.following[prefix] !== id) return;
      const job = await api(`/jobs/${encodeURIComponent(id)}`);
      const running = job.state === "queued" || job.state === "running";
      progress.hidden = !running; cancel.hidden = !running; progress.value = job.progress;
      if (running) {
        status.textContent = `${job.state}: ${job.message || ""} (${Math.round(100 * job.progress)} %)`;
        await refreshKind(prefix, show);
        await sleep(500);
        continue;
      }
      await refreshKind(prefix, show);
      if (job.state === "done") {
        const seconds = (Date.parse(job.finished_ts) - Date.parse(job.started_ts)) / 1000;
        status.textContent = `done in ${seconds.toFixed(1)} s`;
        show(await api(`/jobs/${encodeURIComponent(id)}/result`), job);
      } else {
        status.textContent = `${job.state}${job.error ? `: ${job.error}` : ""}`;
      }
      return;
    }
  } catch (err) {
    status.textContent = `error: ${err.message}`;
    if (err.message.includes("no job")) sessionStorage.removeItem(`gigatwin.${prefix}Job`);
  }
}

const KIND_OF = { perf: "performance", design: "design" };

function jobWhat(j) {
  const p = j.params;
  if (j.kind === "performance") {
    return `${p.example ?? "recipe"}, ${(p.model ?? "spme").toUpperCase()}, ${(p.rates ?? []).join("/")} C, ${p.samples ?? 0} sampled`;
  }
  return `${p.problem}, ${p.generations ?? 5} x ${p.population ?? 12}`;
}

async function refreshKind(prefix, show) {
  const jobs = (await api("/jobs", { params: { limit: 100 } })).filter((j) => j.kind === KIND_OF[prefix]).slice(0, 15);
  rows($(`#${prefix}-jobs tbody`), jobs, (j) => {
    let action = "";
    if ((j.state === "queued" || j.state === "running") && (j.owner === state.me.name || may("admin"))) {
      action = el("button", { class: "small", type: "button" }, "cancel");
      action.addEventListener("click", () => cancelKind(prefix, j.job_id, show));
    } else if (j.state === "done") {
      action = el("button", { class: "small", type: "button" }, "show");
      action.addEventListener("click", () => followKind(prefix, j.job_id, show));
    }
    return [j.created_ts.slice(0, 19).replace("T", " "), j.owner, jobWhat(j),
      el("td", { class: `state ${j.state}` }, j.state + (j.error ? `: ${j.error}` : "")),
      num(100 * j.progress), el("td", {}, action)];
  });
}

async function cancelKind(prefix, id, show) {
  try { await api(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" }); } catch (err) {
    $(`#${prefix}-status`).textContent = `error: ${err.message}`;
  }
  await refreshKind(prefix, show);
}

/* -- performance -------------------------------------------------------------------- */
async function loadPerf() {
  const recipes = await api("/recipes");
  const select = $("#perf-form select[name=example]");
  for (const r of recipes) select.append(el("option", { value: r.name }, r.title));
  $("#perf-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    const rates = f.rates.split(/[,;\s]+/).filter((x) => x !== "").map(Number);
    runJob("perf", "performance", { example: f.example, rates, model: f.model,
      samples: Number(f.samples), seed: Number(f.seed) }, showPerf);
  });
  $("#perf-cancel").addEventListener("click", () => cancelKind("perf", state.following.perf, showPerf));
  await refreshKind("perf", showPerf);
  const last = sessionStorage.getItem("gigatwin.perfJob");
  if (last) followKind("perf", last, showPerf);
}

function showPerf(r) {
  const Ah = 1 / 3600;  // C -> A*h, J -> W*h
  const curves = r.nominal.discharges.map((d) => ({ label: `${d.c_rate} C`,
    x: d.curve.discharged.map((q) => q * Ah), y: d.curve.voltage }));
  $("#perf-chart").replaceChildren(charts.lineChart(
    `${r.recipe}: discharge curves of the nominal cell (${r.model.toUpperCase()})`, curves,
    "discharged [A·h]", "voltage [V]"));
  rows($("#perf-table tbody"), r.table, (row) => [num(row.c_rate), num(row.capacity.nominal * Ah),
    r.samples ? `${charts.fmt(row.capacity.p05 * Ah)}-${charts.fmt(row.capacity.p95 * Ah)}` : "",
    num(row.energy.nominal * Ah), num(row.mean_voltage.nominal), num(100 * row.retention.nominal),
    num(row.specific_energy.nominal * Ah), num(row.specific_power.nominal)]);
  $("#perf-status").textContent += ` - ${r.recipe}, ${r.model.toUpperCase()}, ${r.samples} sampled cell(s)`;
  $("#perf-result").hidden = false;
}

/* -- design ------------------------------------------------------------------------- */
async function loadDesign() {
  state.problems = await api("/design/problems");
  const select = $("#design-form select[name=problem]");
  for (const p of state.problems) select.append(el("option", { value: p.name }, p.title));
  $("#design-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    runJob("design", "design", { problem: f.problem, generations: Number(f.generations),
      population: Number(f.population), seed: Number(f.seed) }, showDesign);
  });
  $("#design-cancel").addEventListener("click", () => cancelKind("design", state.following.design, showDesign));
  await refreshKind("design", showDesign);
  const last = sessionStorage.getItem("gigatwin.designJob");
  if (last) followKind("design", last, showDesign);
}

function showDesign(r, job) {
  const problem = state.problems.find((p) => p.name === job.params.problem);
  const column = (name) => Object.keys(r.pareto[0] || {}).find((k) => k.startsWith(`${name} [`));
  const [xName, yName] = r.objectives.map(column);
  const chosen = new Set(r.chosen);
  $("#design-chart").replaceChildren(charts.scatterChart(
    `${r.problem}: Pareto front of ${r.pareto.length} designs (${r.evaluations} evaluations)`,
    r.pareto.map((row, i) => ({ x: row[xName], y: row[yName], chosen: chosen.has(i) })), xName, yName));
  const names = Object.keys(r.pareto[0] || {});
  const units = Object.fromEntries((problem ? problem.variables : []).map((v) => [v.path, v.unit]));
  $("#design-table thead tr").replaceChildren(...names.map((n) => el("th", {}, units[n] ? `${n} [${units[n]}]` : n)));
  rows($("#design-table tbody"), r.pareto, (row) => names.map((n) => num(row[n])));
  [...$("#design-table tbody").children].forEach((tr, i) => tr.classList.toggle("chosen", chosen.has(i)));
  $("#design-result").hidden = false;
}

/* -- traceability ------------------------------------------------------------------- */
async function loadTrace() {
  const input = $("#trace-form input[name=object]");
  input.addEventListener("input", async () => {
    if (input.value.length < 2) return;
    const found = await api("/objects", { params: { prefix: input.value, limit: 20 } });
    $("#trace-ids").replaceChildren(...found.map((o) => el("option", { value: o.object_id }, o.kind)));
  });
  $("#trace-form").addEventListener("submit", runTrace);
}

async function runTrace(event) {
  event.preventDefault();
  const form = Object.fromEntries(new FormData(event.target));
  const id = form.object.trim();
  try {
    const g = await api(`/${form.direction}/${encodeURIComponent(id)}`);
    $("#trace-status").textContent = `${g.reached.length} objects, ${g.edges.length} links`;
    $("#trace-graph").replaceChildren(charts.genealogyGraph(g.reached, g.edges, g.direction));
    rows($("#trace-table tbody"), g.reached, (r) => [r.generation, r.kind, el("td", { class: "mono" }, r.object_id),
      r.ranges_m.map(([a, b]) => `${charts.fmt(a)}-${charts.fmt(b)} m`).join(", ")]);
    const start = g.reached.find((r) => r.generation === 0);
    const link = $("#trace-record");
    link.hidden = !(start && start.kind === "cell");
    if (!link.hidden) {
      const record = await api(`/cells/${encodeURIComponent(id)}/record`);
      link.href = URL.createObjectURL(new Blob([JSON.stringify(record, null, 2)], { type: "application/ld+json" }));
      link.download = `${id}.jsonld`;
    }
  } catch (err) {
    $("#trace-status").textContent = `error: ${err.message}`;
    $("#trace-graph").replaceChildren(); $("#trace-table tbody").replaceChildren();
  }
}

/* -- virtual line and live twin ---------------------------------------------------- */
async function loadLive() {
  const [line, recipes] = await Promise.all([api("/line"), api("/recipes")]);
  const lines = $("#line-form select[name=line]"), scenarios = $("#line-form select[name=scenario]");
  for (const name of line.lines) lines.append(el("option", { value: name }, name));
  for (const name of line.scenarios) scenarios.append(el("option", { value: name }, name));
  const example = $("#live-form select[name=example]");
  for (const r of recipes) example.append(el("option", { value: r.name }, r.title));
  $("#line-form").addEventListener("submit", (e) => lineAction(e, async () => {
    const f = Object.fromEntries(new FormData(e.target));
    await api("/line/start", { method: "POST", body: { line: f.line, scenario: f.scenario || null,
      duration_h: Number(f.duration_h), speed: Number(f.speed) } });
  }));
  $("#line-stop").addEventListener("click", () => lineAction(null, () => api("/line/stop", { method: "POST" })));
  $("#live-follow").addEventListener("click", follow);
  $("#live-form select[name=key]").addEventListener("change", refreshLive);
  showLine(line);
  openLiveStream();
  await refreshLive();
}

async function lineAction(event, action) {
  if (event) event.preventDefault();
  try { await action(); } catch (err) { $("#line-status").textContent = `error: ${err.message}`; return; }
  showLine(await api("/line"));
}

/* The line's state is pushed by the service (GET /stream?line=true) whenever it
   changes, while the page is shown; no polling. */
function closeLiveStream() {
  state.liveCall = (state.liveCall || 0) + 1;
  clearTimeout(state.liveReopen);
  if (state.liveStream) { state.liveStream.close(); state.liveStream = null; }
}

async function openLiveStream() {
  closeLiveStream();
  if (!state.me) return;
  const call = state.liveCall;
  let ticket;
  try { ticket = (await api("/stream/ticket", { method: "POST" })).ticket; } catch (err) {
    $("#line-status").textContent = `no live updates: ${err.message}`; return;
  }
  if (call !== state.liveCall) return;
  const url = new URL(`${API}/stream`, location.origin);
  url.searchParams.set("ticket", ticket);
  url.searchParams.set("line", "true");
  url.searchParams.set("alarms", "false");
  const source = new EventSource(url);
  state.liveStream = source;
  const reopen = (ms) => { state.liveReopen = setTimeout(() => { if (state.liveStream === source) openLiveStream(); }, ms); };
  source.addEventListener("line", (e) => showLine(JSON.parse(e.data)));
  source.addEventListener("close", () => { source.close(); reopen(5000); });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED && state.liveStream === source) reopen(3000);
  });
}

function showLine(line) {
  const hours = (s) => (s / 3600).toFixed(2);
  $("#line-status").textContent = line.state === "running"
    ? `running: ${line.line} (${line.scenario}), ${hours(line.simulated_s)} of ${hours(line.duration_s)} h ` +
      `simulated at ${line.speed}x, ${line.records} records stored`
    : `${line.state}` + (line.line ? `: ${line.line}, ${hours(line.simulated_s)} h simulated, ${line.records} records` : "") +
      (line.error ? ` (${line.error})` : "");
  $("#line-stop").disabled = line.state !== "running";
}

async function follow() {
  $("#live-status").textContent = "calibrating on the stored gauge readings...";
  try {
    const summary = await api("/live/follow", { method: "POST", body: { example: $("#live-form select[name=example]").value } });
    $("#live-status").textContent = Object.entries(summary).map(([k, e]) =>
      `${k}: ${charts.fmt(e.mean)} ± ${charts.fmt(1.96 * e.std)} (${e.readings} readings)`).join("; ");
    await refreshLive();
  } catch (err) { $("#live-status").textContent = `error: ${err.message}`; }
}

async function refreshLive() {
  const key = $("#live-form select[name=key]").value;
  const [estimates, recs] = await Promise.all([api("/live/estimates", { params: { key } }), api("/live/recommendations")]);
  $("#live-chart").replaceChildren(estimates.length
    ? charts.bandChart(`${key}: posterior mean [1]`, estimates.map((e) => e.mean),
      estimates.map((e) => e.mean - 1.96 * e.std), estimates.map((e) => e.mean + 1.96 * e.std))
    : el("p", { class: "muted" }, "no estimate yet: calibrate on stored data"));
  rows($("#recs-table tbody"), recs, (r) => {
    let action = "";
    if (r.status === "advised" && may("engineer")) {
      action = el("span", {});
      for (const [label, verb] of [["accept", "accept"], ["reject", "reject"]]) {
        const button = el("button", { class: "small", type: "button" }, label);
        button.addEventListener("click", async () => {
          try { await api(`/live/recommendations/${encodeURIComponent(r.rec_id)}/${verb}`, { method: "POST" }); }
          catch (err) { $("#live-status").textContent = `error: ${err.message}`; }
          await refreshLive();
        });
        action.append(button, " ");
      }
    }
    return [r.ts.slice(0, 19).replace("T", " "), el("td", { class: "mono" }, r.key), num(r.previous), num(r.value),
      num(r.predicted), num(r.target), r.why, el("td", { class: `state ${r.status}` }, r.status), el("td", {}, action)];
  });
}

/* -- administration ----------------------------------------------------------------- */
async function loadAdmin() {
  $("#user-form").addEventListener("submit", (e) => adminAction(e, async () => {
    const f = Object.fromEntries(new FormData(e.target));
    await api("/users", { method: "POST", body: f });
    e.target.reset();
  }));
  $("#key-form").addEventListener("submit", (e) => adminAction(e, async () => {
    const made = await api("/keys", { method: "POST", body: Object.fromEntries(new FormData(e.target)) });
    $("#key-new").textContent = `new key ${made.key_id} (shown once): ${made.key}`;
    e.target.reset();
  }));
  await refreshAdmin();
}

async function adminAction(event, action) {
  if (event) event.preventDefault();
  $("#admin-error").textContent = "";
  try { await action(); await refreshAdmin(); } catch (err) { $("#admin-error").textContent = err.message; }
}

async function refreshAdmin() {
  const [users, keys, audit] = await Promise.all([api("/users"), api("/keys"), api("/audit", { params: { limit: 50 } })]);
  rows($("#users-table tbody"), users, (u) => {
    const select = el("select", {}, ...ROLES.map((r) => el("option", r === u.role ? { selected: "" } : {}, r)));
    select.addEventListener("change", () => adminAction(null, () => api(`/users/${encodeURIComponent(u.username)}/role`, { method: "PUT", body: { role: select.value } })));
    const remove = el("button", { class: "small", type: "button" }, "remove");
    remove.addEventListener("click", () => adminAction(null, () => api(`/users/${encodeURIComponent(u.username)}`, { method: "DELETE" })));
    return [u.username, el("td", {}, select), el("td", {}, remove)];
  });
  rows($("#keys-table tbody"), keys, (k) => {
    const revoke = el("button", { class: "small", type: "button" }, "revoke");
    revoke.addEventListener("click", () => adminAction(null, () => api(`/keys/${encodeURIComponent(k.key_id)}`, { method: "DELETE" })));
    return [el("td", { class: "mono" }, k.key_id), k.name, k.revoked_ts ? k.revoked_ts.slice(0, 16) : "", el("td", {}, k.revoked_ts ? "" : revoke)];
  });
  rows($("#audit-table tbody"), audit, (a) => [a.ts.slice(0, 19).replace("T", " "), a.actor, a.action, a.target ?? "", a.detail ?? ""]);
}

/* -- start -------------------------------------------------------------------------- */
$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
window.addEventListener("hashchange", route);
if (state.token) start().catch(() => logout()); else show("login");
