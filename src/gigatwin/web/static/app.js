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
  live: loadLive, admin: loadAdmin };

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

/* -- SPC ---------------------------------------------------------------------------- */
async function loadSpc() {
  const series = await api("/spc/signals");
  const select = $("#spc-form select[name=series]");
  series.forEach((s, i) => select.append(el("option", { value: i }, `${s.key} @ ${s.asset_id ?? "-"} (${s.count})`)));
  $("#spc-status").textContent = series.length ? "" : "no numeric signal is stored yet";
  $("#spc-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const s = series[Number(select.value)];
    if (!s) return;
    try {
      const out = await api("/spc/chart", { params: { key: s.key, asset: s.asset_id, type: $("#spc-form select[name=type]").value } });
      $("#spc-status").textContent = `${out.ts.length} points from ${out.ts[0]} to ${out.ts[out.ts.length - 1]}`;
      $("#spc-chart").replaceChildren(...out.analysis.charts.map((c) => charts.controlChart(c, out.unit)));
    } catch (err) { $("#spc-status").textContent = `error: ${err.message}`; }
  });
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
  await refreshLive();
}

async function lineAction(event, action) {
  if (event) event.preventDefault();
  try { await action(); } catch (err) { $("#line-status").textContent = `error: ${err.message}`; return; }
  showLine(await api("/line"));
}

/* While the line runs, its status is read again every two seconds. */
function showLine(line) {
  const hours = (s) => (s / 3600).toFixed(2);
  $("#line-status").textContent = line.state === "running"
    ? `running: ${line.line} (${line.scenario}), ${hours(line.simulated_s)} of ${hours(line.duration_s)} h ` +
      `simulated at ${line.speed}x, ${line.records} records stored`
    : `${line.state}` + (line.line ? `: ${line.line}, ${hours(line.simulated_s)} h simulated, ${line.records} records` : "") +
      (line.error ? ` (${line.error})` : "");
  $("#line-stop").disabled = line.state !== "running";
  clearTimeout(state.lineTimer);
  if (line.state === "running") {
    state.lineTimer = setTimeout(async () => {
      if (!$("#page-live").hidden && state.me) showLine(await api("/line"));
    }, 2000);
  }
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
