/*
 * keypool dashboard: browser ES modules, no build step, no dependencies.
 *
 * It loads the past from /v1/stats/history, then reads /v1/stats/stream
 * with fetch() and parses the Server-Sent Events itself, because EventSource
 * cannot send the Authorization header that the admin server asks for when
 * client tokens are configured. On 401/403 it asks for a token and
 * keeps it in sessionStorage (this tab only). Every value from the server
 * goes into the page as text, never as markup. The snapshots and the history
 * carry key ids and masked keys only, never a secret.
 *
 * An administrator (as /v1/session says) gets buttons on each key that POST
 * to /v1/keys/{provider}/{keyId}/state: with the page's token when it has
 * one, otherwise same-origin with a CSRF token from /v1/csrf-token.
 */
import { applySnapshot, mergeSeries, seriesFromHistory, trimSeries } from "./chart-series.js";
import { createChart } from "./chart-view.js";
import { $, el, setText, setTitle } from "./dom.js";
import { capacityText, perMinuteCapacity } from "./capacity.js";
import { clockTime, compact } from "./format.js";
import { keyActionView } from "./key-action-view.js";
import { actionRequest, errorText, resultText } from "./key-actions.js";
import { keyMatches, problemOf, SORTS, sortKeys } from "./key-order.js";
import { COLUMNS, keyRow, STATE_LABEL, updateCountdown, updateRow } from "./key-row.js";
import { modelRows, modelsByKey } from "./model-usage.js";
import { drawSpark, spark } from "./sparkline.js";
import { createSseParser } from "./sse-parser.js";
import { storeText } from "./store-text.js";
import { capacityBar, setCapacity, tile } from "./tiles.js";
import { balanceTrend, pushSample } from "./trends.js";
import { loadModelUsage, loadProviderHistory } from "./usage-loader.js";
import { headedTable, updateClients, updateModels } from "./usage-tables.js";

const TOKEN_KEY = "keypool.admin-token";
const STREAM_URL = "/v1/stats/stream?interval=1s";
/** Sparklines and trends keep this much of what the page saw. */
const HISTORY_MS = 5 * 60_000;
/** The shortest time axis of a sparkline. */
const MIN_SPAN_MS = 60_000;
/** No snapshot for this long on an open stream: treat it as lost and reconnect. */
const STALL_MS = 5_000;
const MAX_RETRY_MS = 5_000;
/** The history is read again this often while live: latency and the per-model sums come from it. */
const HISTORY_REFRESH_MS = 30_000;
const RANGES = { "15m": 15 * 60_000, "1h": 3_600_000, "6h": 6 * 3_600_000, "24h": 24 * 3_600_000 };
/** The charts of each provider: [kind, title, unit, lines ([metric, legend, class])]. */
const CHARTS = [
  ["requests", "Requests", "req/min", [["requests", "leases", "line-requests"]]],
  ["failures", "429s and errors", "per min", [["rate_limited", "429", "line-429"], ["errors", "other errors", "line-errors"]]],
  ["tokens", "Tokens", "tokens/min", [["tokens", "prompt + completion", "line-tokens"]]],
  ["latency", "Latency", "ms", [["latency_p50_ms", "p50", "line-p50"], ["latency_p95_ms", "p95", "line-p95"]]],
];

/** Connection state, the last snapshot, what the charts and sparklines draw, and the table's order and filter. */
const app = {
  connection: "connecting",
  /** Client time when the connection state last changed. */
  since: Date.now(),
  retryAt: 0,
  lastError: "",
  snapshot: null,
  /** Server clock minus client clock, from the last snapshot: countdowns and charts use the server's time. */
  offsetMs: 0,
  /** "provider\u0000keyId" -> [{ t, rpm }] */
  keyHistory: new Map(),
  /** provider -> [{ t, balance, rpm }] */
  providerHistory: new Map(),
  /** provider -> chart series (chart-series.js) */
  series: new Map(),
  /** provider -> { rows, modelsOf } for the per-model view and the model filter */
  usage: new Map(),
  /** provider -> section view */
  views: new Map(),
  range: "1h",
  sort: "problems",
  filter: { text: "", state: "", provider: "", model: "" },
  historyLoadedAt: 0,
  generation: -1,
  abort: null,
  wake: null,
  restartNow: false,
  /** Snapshots on the current stream. */
  received: 0,
  serverRetryMs: 1_000,
  /** May act on keys: what /v1/session said for the current stream; false until it answers. */
  admin: false,
};

function serverNow() {
  return Date.now() + app.offsetMs;
}

// ------------------------------------------------------------ connection

/** When sessionStorage is unavailable the token lives in this page only. */
let memoryToken = "";

function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

function authHeaders(accept) {
  const headers = { accept };
  const t = token();
  if (t !== "") headers.authorization = `Bearer ${t}`;
  return headers;
}

function setConnection(state, detail) {
  if (app.connection !== state) app.since = Date.now();
  app.connection = state;
  if (detail !== undefined) app.lastError = detail;
  $("conn").dataset.state = state;
  document.body.dataset.connection = state;
  tick();
}

function sleep(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      app.wake = null;
      resolve();
    }
    app.wake = done;
  });
}

async function connectLoop() {
  let failures = 0;
  for (;;) {
    let result;
    app.restartNow = false;
    app.received = 0;
    try {
      result = await readStream();
    } catch (err) {
      result = { kind: "error", message: err instanceof Error && err.name !== "AbortError" ? "the server cannot be reached" : "the stream stalled" };
    }
    // Whatever happens while the page is not connected is not seen: the charts show a gap unless the history has it.
    for (const s of app.series.values()) s.totals = null;
    if (app.restartNow) {
      // The token was forgotten: connect again at once, which asks for a new one.
      app.restartNow = false;
      failures = 0;
      continue;
    }
    if (result.kind === "auth") {
      await askForToken(result);
      failures = 0;
      continue;
    }
    // A stream that delivered something starts the backoff over.
    if (app.received > 0) failures = 0;
    failures += 1;
    const delay = Math.min(MAX_RETRY_MS, app.serverRetryMs * 2 ** Math.max(0, failures - 1));
    app.retryAt = Date.now() + delay;
    setConnection(app.snapshot === null && app.connection === "connecting" && failures < 2 ? "connecting" : "disconnected", result.message);
    await sleep(delay);
  }
}

/** One stream: resolves when it ends, rejects when the network fails. */
async function readStream() {
  const controller = new AbortController();
  app.abort = controller;
  const hadToken = token() !== "";
  let watchdog = setTimeout(() => controller.abort(), STALL_MS * 2);
  try {
    const res = await fetch(STREAM_URL, { headers: authHeaders("text/event-stream"), cache: "no-store", signal: controller.signal });
    if (res.status === 401 || res.status === 403) {
      return { kind: "auth", status: res.status, message: await errorMessage(res), hadToken };
    }
    if (!res.ok || res.body === null) {
      return { kind: "error", message: `the server answered ${res.status}: ${await errorMessage(res)}` };
    }
    const reader = res.body.getReader();
    const parser = createSseParser(
      (event, data) => {
        if (event !== "snapshot") return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), STALL_MS);
        onSnapshot(JSON.parse(data));
      },
      (ms) => (app.serverRetryMs = Math.max(250, ms)),
    );
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: "ended", message: "the server closed the stream" };
      parser(value);
    }
  } finally {
    clearTimeout(watchdog);
    app.abort = null;
  }
}

async function errorMessage(res) {
  try {
    const body = await res.json();
    return (body && body.error && body.error.message) || res.statusText;
  } catch {
    return res.statusText;
  }
}

/** A history request: the parsed body, or undefined when the server answers an error or cannot be reached. */
async function getJson(url) {
  try {
    const res = await fetch(url, { headers: authHeaders("application/json"), cache: "no-store" });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

function askForToken(result) {
  forgetToken();
  setConnection("auth", result.message);
  const login = $("login");
  const message = $("login-message");
  if (result.status === 403) {
    message.textContent = "That token belongs to a client that is not an administrator and may not read the statistics. Enter another token.";
  } else if (result.hadToken) {
    message.textContent = "That token was not accepted. Enter another token.";
  } else {
    message.textContent = 'This keypool has client tokens configured. Enter the token of a client with "admin": true, or with "stats": true to watch without acting on keys.';
  }
  login.hidden = false;
  $("providers").hidden = true;
  $("toolbar").hidden = true;
  $("empty").hidden = true;
  const input = /** @type {HTMLInputElement} */ ($("token-input"));
  input.value = "";
  input.focus();
  return new Promise((resolve) => {
    $("login-form").addEventListener(
      "submit",
      (e) => {
        e.preventDefault();
        const value = input.value.trim();
        input.value = "";
        try {
          sessionStorage.setItem(TOKEN_KEY, value);
        } catch {
          memoryToken = value;
        }
        login.hidden = true;
        $("providers").hidden = false;
        $("toolbar").hidden = false;
        setConnection("connecting", "");
        updateForgetButton();
        resolve();
      },
      { once: true },
    );
  });
}

function forgetToken() {
  memoryToken = "";
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: nothing stored */
  }
  updateForgetButton();
}

function updateForgetButton() {
  $("forget-token").hidden = token() === "";
}

// ---------------------------------------------------------- key actions

async function loadSession() {
  const session = await getJson("/v1/session");
  const admin = session !== undefined && session.admin === true;
  document.body.dataset.admin = String(admin);
  if (admin === app.admin) return;
  app.admin = admin;
  if (app.snapshot !== null) render(app.snapshot);
}

/** Performs one action on a key; resolves with the text to show under it, never rejects. */
async function sendKeyAction(provider, keyId, action, reason) {
  try {
    const t = token();
    let auth = { token: t };
    if (t === "") {
      const res = await fetch("/v1/csrf-token", { headers: authHeaders("application/json"), cache: "no-store" });
      const body = await res.json().catch(() => undefined);
      if (!res.ok) return { ok: false, text: errorText(res.status, body) };
      auth = { csrf: body };
    }
    const { url, init } = actionRequest(provider, keyId, action, reason, auth);
    const res = await fetch(url, init);
    const body = await res.json().catch(() => undefined);
    if (!res.ok) return { ok: false, text: errorText(res.status, body) };
    void refreshSnapshot();
    return { ok: true, text: resultText(body), state: body.state };
  } catch {
    return { ok: false, text: errorText(0, undefined) };
  }
}

/** The key's new state at once, rather than with the stream's next snapshot. */
async function refreshSnapshot() {
  const fresh = await getJson("/v1/stats");
  if (fresh === undefined || app.snapshot === null) return;
  if (Date.parse(fresh.generated_at) < Date.parse(app.snapshot.generated_at)) return;
  app.snapshot = fresh;
  render(fresh);
}

// --------------------------------------------------------------- history

let historyLoading = false;
/** A load was asked for while one ran (a new range, a reload): run again when it ends. */
let historyAgain = false;

/**
 * Reads every provider's history and the per-model sums for the charted
 * range. Runs when a stream starts (so the past shows at once and what
 * happened while the page was away fills in), after a reload or restart,
 * when the range changes, and every HISTORY_REFRESH_MS while live.
 */
async function loadHistory() {
  if (app.snapshot === null) return;
  if (historyLoading) {
    historyAgain = true;
    return;
  }
  historyLoading = true;
  historyAgain = false;
  app.historyLoadedAt = Date.now();
  try {
    const range = app.range;
    await Promise.all(
      app.snapshot.providers.map(async (p) => {
        const h = await loadProviderHistory(getJson, p.provider, range);
        if (h === undefined || range !== app.range) return;
        const fresh = seriesFromHistory(h);
        const old = app.series.get(p.provider);
        app.series.set(p.provider, mergeSeries(old?.range === range ? old : undefined, fresh));
        app.series.get(p.provider).range = range;
        const keyIds = p.keys.filter((k) => k.state !== "draining").map((k) => k.key_id);
        const usage = await loadModelUsage(getJson, p.provider, h.models, keyIds, range);
        if (range !== app.range) return;
        app.usage.set(p.provider, { rows: modelRows(usage.byModel, usage.byKey), modelsOf: modelsByKey(usage.byKey) });
      }),
    );
  } finally {
    historyLoading = false;
  }
  updateModelFilter();
  if (app.snapshot !== null) render(app.snapshot);
  if (historyAgain) void loadHistory();
}

// -------------------------------------------------------------- snapshots

function onSnapshot(snapshot) {
  const now = Date.now();
  const generated = Date.parse(snapshot.generated_at);
  if (Number.isFinite(generated)) app.offsetMs = generated - now;
  const first = app.received === 0;
  // A new stream may come with a new token: ask again who the page is.
  if (first) void loadSession();
  app.snapshot = snapshot;
  app.received += 1;
  const t = Number.isFinite(generated) ? generated : now;
  let reload = first || snapshot.config_generation !== app.generation || Date.now() - app.historyLoadedAt > HISTORY_REFRESH_MS;
  app.generation = snapshot.config_generation;
  for (const p of snapshot.providers) {
    let rpm = 0;
    for (const k of p.keys) {
      rpm += k.requests_in_window;
      const id = `${p.provider}\u0000${k.key_id}`;
      let list = app.keyHistory.get(id);
      if (list === undefined) app.keyHistory.set(id, (list = []));
      pushSample(list, { t, rpm: k.requests_in_window }, HISTORY_MS);
    }
    let list = app.providerHistory.get(p.provider);
    if (list === undefined) app.providerHistory.set(p.provider, (list = []));
    pushSample(list, { t, balance: p.balance_ratio, rpm }, HISTORY_MS);
    const series = app.series.get(p.provider);
    if (series !== undefined) {
      // Counters that went down: a restarted sidecar; its history says where it started.
      if (!applySnapshot(series, p, t)) reload = true;
      trimSeries(series, t - RANGES[app.range] - series.resolutionMs);
    } else reload = true;
  }
  if (app.connection !== "live") setConnection("live", "");
  if (reload) void loadHistory();
  render(snapshot);
}

function render(snapshot) {
  const container = $("providers");
  const seen = new Set();
  let previous = null;
  for (const p of snapshot.providers) {
    seen.add(p.provider);
    let view = app.views.get(p.provider);
    if (view === undefined) {
      view = providerView(p.provider);
      app.views.set(p.provider, view);
    }
    // Configuration order, kept when providers come and go.
    const want = previous === null ? container.firstChild : previous.nextSibling;
    if (want !== view.root) container.insertBefore(view.root, want);
    view.root.hidden = app.filter.provider !== "" && app.filter.provider !== p.provider;
    updateProvider(view, p);
    previous = view.root;
  }
  for (const [name, view] of app.views) {
    if (seen.has(name)) continue;
    view.root.remove();
    app.views.delete(name);
  }
  updateProviderFilter(snapshot.providers.map((p) => p.provider));
  $("empty").hidden = snapshot.providers.length > 0;
  setText($("generation"), `config generation ${snapshot.config_generation}`);
  const store = storeText(snapshot.store, (t) => clockTime(t - app.offsetMs));
  const line = $("store");
  line.hidden = store === undefined;
  if (store !== undefined) {
    setText(line, store.text);
    setTitle(line, store.title);
    line.dataset.state = store.state;
  }
  tick();
}

// --------------------------------------------------------- provider view


function providerView(name) {
  const root = el("section", "provider");
  root.dataset.provider = name;
  const head = el("header", "provider-head");
  const title = el("h2", "provider-name", name);
  const summary = el("div", "provider-summary");
  head.append(title, summary);

  const tiles = el("div", "tiles");
  const balance = tile("Balance", "Smallest over largest weight-normalised requests in the last minute among active keys. 1.00 is perfectly even.");
  balance.root.classList.add("tile-balance");
  balance.spark = spark("spark spark-balance");
  balance.root.append(balance.spark.svg, balance.sub);

  const requests = tile("Requests / min", "Requests in the last minute, all keys, against the request limits of the keys that are enabled.");
  requests.bar = capacityBar();
  requests.root.append(requests.bar.root, requests.sub);

  const tokens = tile("Tokens / min", "Tokens in the last minute (estimates of open leases included) against the token limits of the enabled keys.");
  tokens.bar = capacityBar();
  tokens.root.append(tokens.bar.root, tokens.sub);

  const inflight = tile("In flight", "Open leases, and acquisitions waiting for a key.");
  inflight.bar = capacityBar();
  inflight.root.append(inflight.bar.root, inflight.sub);

  const totals = tile("Since start", "Lifetime requests of this sidecar, the tokens they reported, and how they ended.");
  totals.tokens = el("div", "tile-sub tile-tokens");
  totals.root.append(totals.tokens, totals.sub);

  tiles.append(balance.root, requests.root, tokens.root, inflight.root, totals.root);

  const charts = el("div", "charts");
  const chartViews = CHARTS.map(([kind, label, unit, lines]) =>
    createChart(kind, label, unit, lines.map(([metric, legend, cls]) => ({ metric, label: legend, cls }))),
  );
  charts.append(...chartViews.map((c) => c.root));

  const wrap = el("div", "table-wrap");
  const table = el("table", "keys");
  const thead = el("thead");
  const hr = el("tr");
  for (const [label, cls, hint] of COLUMNS) {
    const th = el("th", cls, label);
    th.scope = "col";
    if (hint) th.title = hint;
    hr.append(th);
  }
  thead.append(hr);
  const tbody = el("tbody");
  table.append(thead, tbody);
  wrap.append(table);
  const shown = el("p", "keys-shown");

  const models = headedTable("models", "Models", ["Model", "Requests", "429s", "Errors", "Tokens", "Keys (requests)"]);
  const clients = headedTable("clients", "Clients", ["Client", "Declared id", "Open leases", "Waiting"]);

  const usage = el("div", "usage");
  usage.append(models.root, clients.root);
  root.append(head, tiles, charts, wrap, shown, usage);
  return {
    root,
    summary,
    balance,
    requests,
    tokens,
    inflight,
    totals,
    charts: chartViews,
    tbody,
    shown,
    modelsTable: models.table,
    modelsBody: models.body,
    modelsNote: models.note,
    modelsSignature: "",
    clientsTable: clients.table,
    clientsBody: clients.body,
    clientsNote: clients.note,
    clientsSignature: "",
    rows: new Map(),
  };
}






function updateProvider(view, p) {
  const now = serverNow();
  const counts = {};
  for (const k of p.keys) counts[k.state] = (counts[k.state] || 0) + 1;
  const parts = Object.keys(STATE_LABEL)
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${STATE_LABEL[s]}`);
  setText(view.summary, `${p.keys.length} ${p.keys.length === 1 ? "key" : "keys"}${parts.length ? ` · ${parts.join(" · ")}` : ""}${p.waiting ? ` · ${p.waiting} waiting` : ""}`);

  // Balance, with its trend.
  const history = app.providerHistory.get(p.provider) || [];
  const b = view.balance;
  const traffic = p.keys.some((k) => k.requests_in_window > 0);
  setText(b.big, p.balance_ratio.toFixed(2));
  b.big.dataset.level = !traffic ? "idle" : p.balance_ratio >= 0.8 ? "good" : p.balance_ratio >= 0.5 ? "fair" : "poor";
  const trend = balanceTrend(history, now);
  setText(b.side, trend.text);
  b.side.dataset.trend = trend.direction;
  setTitle(b.side, trend.title);
  const span = history.length > 0 ? Math.min(HISTORY_MS, Math.max(MIN_SPAN_MS, now - history[0].t)) : MIN_SPAN_MS;
  drawSpark(b.spark, history.map((s) => ({ t: s.t, v: s.balance })), now, 1, span);
  setText(b.sub, `${traffic ? "last minute" : "no traffic in the last minute"} · lifetime ${p.balance_ratio_total.toFixed(2)}`);

  // Requests and tokens against capacity; keys cooling down or exhausted are capacity not available now.
  const enabled = p.keys.filter((k) => k.state !== "disabled" && k.state !== "draining");
  const active = p.keys.filter((k) => k.state === "active");
  const sum = (list, f) => list.reduce((acc, k) => acc + f(k), 0);
  const unlimitedBy = (kind) => enabled.filter((k) => perMinuteCapacity(k, kind) === Infinity).length;
  for (const [tileView, kind, unit, used] of [
    [view.requests, "requests", "request", (k) => k.requests_in_window],
    [view.tokens, "tokens", "token", (k) => k.tokens_in_window],
  ]) {
    const all = sum(p.keys, used);
    const cap = sum(enabled, (k) => perMinuteCapacity(k, kind));
    const avail = sum(active, (k) => perMinuteCapacity(k, kind));
    const inRotation = sum(enabled, used);
    setText(tileView.big, compact(all));
    setText(tileView.side, Number.isFinite(cap) && cap > 0 ? `of ${compact(cap)}` : "");
    setCapacity(tileView.bar, inRotation, cap, avail);
    setText(tileView.sub, capacityText(inRotation, all - inRotation, cap, avail, unit, unlimitedBy(kind), enabled.length));
  }

  const conc = sum(enabled, (k) => k.limits.max_concurrent ?? Infinity);
  const concAvail = sum(active, (k) => k.limits.max_concurrent ?? Infinity);
  setText(view.inflight.big, compact(p.in_flight));
  setText(view.inflight.side, Number.isFinite(conc) && conc > 0 ? `of ${compact(conc)}` : "");
  setCapacity(view.inflight.bar, p.in_flight, conc, concAvail);
  setText(view.inflight.sub, `${p.waiting} waiting for a key`);
  view.inflight.sub.dataset.level = p.waiting > 0 ? "warm" : "";

  setText(view.totals.big, compact(p.requests_total));
  setText(view.totals.side, "requests");
  const reported = p.successes_total + p.rate_limited_total + p.errors_total;
  const okShare = reported > 0 ? `${((100 * p.successes_total) / reported).toFixed(reported > p.successes_total ? 1 : 0)}% ok` : "no reports yet";
  setText(view.totals.tokens, `${compact(p.prompt_tokens_total)} prompt + ${compact(p.completion_tokens_total)} completion tokens`);
  setText(view.totals.sub, `${okShare} · ${compact(p.rate_limited_total)} × 429 · ${compact(p.errors_total)} ${p.errors_total === 1 ? "error" : "errors"}`);

  drawCharts(view, p.provider, now);
  updateKeys(view, p, now, span);
  updateModels(view, app.usage.get(p.provider), app.filter.model, app.range);
  updateClients(view, p.clients ?? []);
}


function drawCharts(view, provider, now) {
  const series = app.series.get(provider);
  const start = now - RANGES[app.range];
  for (const chart of view.charts) chart.draw(series, start, now, now);
}

/** One row per key, in the chosen order; rows the filter leaves out stay, hidden. */
function updateKeys(view, p, now, span) {
  const modelsOf = (keyId) => app.usage.get(p.provider)?.modelsOf.get(keyId);
  const yMax = Math.max(1, ...p.keys.map((k) => maxRpm(app.keyHistory.get(`${p.provider}\u0000${k.key_id}`))));
  const seen = new Set();
  let previous = null;
  let shown = 0;
  for (const k of sortKeys(p.keys, app.sort)) {
    seen.add(k.key_id);
    let row = view.rows.get(k.key_id);
    if (row === undefined) {
      row = keyRow(k.key_id);
      const keyId = k.key_id;
      row.actionView = keyActionView(row.actions, keyId, (action, reason) => sendKeyAction(p.provider, keyId, action, reason));
      view.rows.set(k.key_id, row);
    }
    const want = previous === null ? view.tbody.firstChild : previous.nextSibling;
    if (want !== row.tr) view.tbody.insertBefore(row.tr, want);
    const matches = keyMatches(k, app.filter, modelsOf);
    row.tr.hidden = !matches;
    if (matches) shown += 1;
    updateRow(row, k, app.keyHistory.get(`${p.provider}\u0000${k.key_id}`) || [], yMax, now, span, app.offsetMs);
    row.actionView.update(k, app.admin);
    previous = row.tr;
  }
  for (const [id, row] of view.rows) {
    if (seen.has(id)) continue;
    row.tr.remove();
    view.rows.delete(id);
    app.keyHistory.delete(`${p.provider}\u0000${id}`);
  }
  const problems = p.keys.filter((k) => problemOf(k) !== "").length;
  const filtered = shown < p.keys.length ? `${shown} of ${p.keys.length} keys match the filter` : "";
  setText(view.shown, [filtered, problems > 0 ? `${problems} ${problems === 1 ? "key needs" : "keys need"} attention` : ""].filter(Boolean).join(" · "));
  view.shown.hidden = view.shown.textContent === "";
}

function maxRpm(list) {
  let m = 0;
  for (const s of list || []) if (s.rpm > m) m = s.rpm;
  return m;
}


// ---------------------------------------------------------------- toolbar

function fillSelect(select, options, keep) {
  const signature = JSON.stringify(options);
  if (select.dataset.options === signature) return;
  select.dataset.options = signature;
  select.replaceChildren(...options.map(([value, label]) => Object.assign(el("option", undefined, label), { value })));
  select.value = options.some(([v]) => v === keep) ? keep : "";
}

function updateProviderFilter(providers) {
  fillSelect($("filter-provider"), [["", "all providers"], ...providers.map((p) => [p, p])], app.filter.provider);
}

function updateModelFilter() {
  const models = new Set();
  for (const u of app.usage.values()) for (const r of u.rows) models.add(r.model);
  fillSelect($("filter-model"), [["", "all models"], ...[...models].sort().map((m) => [m, m])], app.filter.model);
}

function startToolbar() {
  const state = $("filter-state");
  fillSelect(state, [["", "all states"], ["problems", "problems only"], ...Object.entries(STATE_LABEL)], "");
  fillSelect($("sort"), Object.entries(SORTS).map(([v, s]) => [v, s.label]), app.sort);
  fillSelect($("range"), Object.keys(RANGES).map((r) => [r, `last ${r.replace("m", " min").replace("h", " h")}`]), app.range);
  const onChange = () => {
    app.filter = {
      text: $("filter-text").value,
      state: state.value,
      provider: $("filter-provider").value,
      model: $("filter-model").value,
    };
    app.sort = $("sort").value;
    const range = $("range").value;
    if (range !== app.range) {
      app.range = range;
      app.usage.clear();
      void loadHistory();
    }
    if (app.snapshot !== null) render(app.snapshot);
  };
  for (const id of ["filter-state", "filter-provider", "filter-model", "sort", "range"]) $(id).addEventListener("change", onChange);
  $("filter-text").addEventListener("input", onChange);
}

// ---------------------------------------------------------- every 250 ms

/** Countdowns, "updated … ago" and the reconnect banner move on between snapshots. */
function tick() {
  const now = Date.now();
  const text = $("conn-text");
  const banner = $("banner");
  const host = location.host;
  const snap = app.snapshot;
  const last = snap ? clockTime(Date.parse(snap.generated_at) - app.offsetMs) : "";
  switch (app.connection) {
    case "live":
      setText(text, "live");
      banner.hidden = true;
      break;
    case "connecting":
      setText(text, "connecting…");
      banner.hidden = true;
      break;
    case "auth":
      setText(text, "admin token required");
      banner.hidden = true;
      break;
    default: {
      const retry = Math.max(0, Math.ceil((app.retryAt - now) / 1_000));
      setText(text, retry > 0 ? `disconnected · retrying in ${retry} s` : "disconnected · retrying…");
      banner.hidden = false;
      const parts = [`Disconnected from keypool at ${host} since ${clockTime(app.since)}${app.lastError ? ` (${app.lastError})` : ""}.`];
      parts.push(snap ? `The numbers below are from ${last} and do not move.` : "Nothing received yet.");
      parts.push(retry > 0 ? `Retrying in ${retry} s.` : "Retrying…");
      setText(banner, parts.join(" "));
    }
  }
  setText($("updated"), snap ? `updated ${last}` : "");
  const title = app.connection === "live" || app.connection === "connecting" ? `keypool · ${host}` : `keypool · ${host} (${app.connection === "auth" ? "token required" : "disconnected"})`;
  if (document.title !== title) document.title = title;
  if (app.connection === "live") {
    const server = serverNow();
    for (const view of app.views.values()) for (const row of view.rows.values()) updateCountdown(row, server, app.offsetMs);
  }
}

// ------------------------------------------------------------------ start

function start() {
  setText($("host"), location.host);
  $("forget-token").addEventListener("click", () => {
    forgetToken();
    app.restartNow = true;
    if (app.abort) app.abort.abort();
    if (app.wake) app.wake();
  });
  window.addEventListener("online", () => app.wake && app.wake());
  // Charts are drawn in real pixels: a new width needs a new drawing.
  window.addEventListener("resize", () => app.snapshot !== null && render(app.snapshot));
  startToolbar();
  updateForgetButton();
  setInterval(tick, 250);
  void connectLoop();
}

start();
