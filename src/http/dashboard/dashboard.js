/*
 * keypool dashboard: plain browser JavaScript, no build step, no dependencies.
 *
 * It reads /v1/stats/stream with fetch() and parses the Server-Sent Events
 * itself, because EventSource cannot send the Authorization header that the
 * admin server asks for when client tokens are configured. On 401/403 it asks
 * for an admin token and keeps it in sessionStorage (this tab only). Every
 * value from the server goes into the page as text (textContent), never as
 * markup. The snapshots carry key ids and masked keys only, never a secret.
 */
"use strict";

(() => {
  const TOKEN_KEY = "keypool.admin-token";
  const STREAM_URL = "/v1/stats/stream?interval=1s";
  /** Sparklines and trends keep this much history (since the page opened). */
  const HISTORY_MS = 5 * 60_000;
  /** The shortest time axis of a sparkline. */
  const MIN_SPAN_MS = 60_000;
  /** The balance trend compares with the value this long ago. */
  const TREND_MS = 60_000;
  /** No snapshot for this long on an open stream: treat it as lost and reconnect. */
  const STALL_MS = 5_000;
  const MAX_RETRY_MS = 5_000;
  const STATE_LABEL = {
    active: "active",
    cooling_down: "cooling down",
    exhausted: "exhausted",
    disabled: "disabled",
    draining: "draining",
  };
  const SVG_NS = "http://www.w3.org/2000/svg";

  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /** Connection state, the last snapshot and the history the sparklines draw. */
  const app = {
    connection: "connecting",
    /** Client time when the connection state last changed. */
    since: Date.now(),
    retryAt: 0,
    lastError: "",
    snapshot: null,
    /** Server clock minus client clock, from the last snapshot: countdowns use the server's time. */
    offsetMs: 0,
    /** "provider\u0000keyId" -> [{ t, rpm }] */
    keyHistory: new Map(),
    /** provider -> [{ t, balance, rpm }] */
    providerHistory: new Map(),
    /** provider -> section view */
    views: new Map(),
    abort: null,
    wake: null,
    restartNow: false,
    /** Snapshots on the current stream. */
    received: 0,
    serverRetryMs: 1_000,
  };

  // ---------------------------------------------------------------- helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function setTitle(node, text) {
    if (node.title !== text) node.title = text;
  }

  const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

  function compact(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return "–";
    const abs = Math.abs(n);
    if (abs < 1_000) return integer.format(n);
    if (abs < 1_000_000) return `${trim((n / 1_000).toFixed(abs < 10_000 ? 1 : 0))}k`;
    if (abs < 1_000_000_000) return `${trim((n / 1_000_000).toFixed(abs < 10_000_000 ? 1 : 0))}M`;
    return `${trim((n / 1_000_000_000).toFixed(1))}G`;
  }

  function trim(s) {
    return s.replace(/\.0$/, "");
  }

  function latency(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1_000) return `${Math.round(ms)} ms`;
    return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  }

  /** A time left: "4.2 s", "42 s", "12 min 05 s", "3 h 12 min". */
  function timeLeft(ms) {
    if (ms < 10_000) return `${(Math.max(0, ms) / 1_000).toFixed(1)} s`;
    const s = Math.ceil(ms / 1_000);
    if (s < 60) return `${s} s`;
    if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    const m = Math.floor(s / 60);
    if (m < 48 * 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
    return `${Math.round(m / 1_440)} days`;
  }

  /** A window length: "6 s", "1 min", "1 h". */
  function per(ms) {
    if (ms % 3_600_000 === 0) return ms === 3_600_000 ? "h" : `${ms / 3_600_000} h`;
    if (ms % 60_000 === 0) return ms === 60_000 ? "min" : `${ms / 60_000} min`;
    return `${trim((ms / 1_000).toFixed(1))} s`;
  }

  function clock(t) {
    return new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function level(fraction) {
    return fraction >= 0.9 ? "hot" : fraction >= 0.7 ? "warm" : "ok";
  }

  function serverNow() {
    return Date.now() + app.offsetMs;
  }

  function pushHistory(list, sample) {
    list.push(sample);
    while (list.length > 0 && list[0].t < sample.t - HISTORY_MS) list.shift();
    // A restarted sidecar or a changed clock: history from the future is wrong.
    while (list.length > 1 && list[list.length - 2].t > sample.t) list.splice(list.length - 2, 1);
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

  function setConnection(state, detail) {
    if (app.connection !== state) app.since = Date.now();
    app.connection = state;
    if (detail !== undefined) app.lastError = detail;
    const conn = $("conn");
    conn.dataset.state = state;
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
    const headers = { accept: "text/event-stream" };
    const t = token();
    if (t !== "") headers.authorization = `Bearer ${t}`;
    let watchdog = setTimeout(() => controller.abort(), STALL_MS * 2);
    try {
      const res = await fetch(STREAM_URL, { headers, cache: "no-store", signal: controller.signal });
      if (res.status === 401 || res.status === 403) {
        return { kind: "auth", status: res.status, message: await errorMessage(res), hadToken: t !== "" };
      }
      if (!res.ok || res.body === null) {
        return { kind: "error", message: `the server answered ${res.status}: ${await errorMessage(res)}` };
      }
      const reader = res.body.getReader();
      const parser = sseParser((event, data) => {
        if (event !== "snapshot") return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), STALL_MS);
        onSnapshot(JSON.parse(data));
      });
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

  /**
   * Server-Sent Events per the HTML standard: lines end in CRLF, LF or CR;
   * a blank line dispatches; "event", "data" and "retry" fields; ":" comments.
   */
  function sseParser(dispatch) {
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "";
    let data = [];
    return (chunk) => {
      buffer += decoder.decode(chunk, { stream: true });
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (match === null) return;
        // A CR at the very end may be the first half of a CRLF.
        if (match[0] === "\r" && match.index === buffer.length - 1) return;
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === "") {
          if (data.length > 0) dispatch(event || "message", data.join("\n"));
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "retry" && /^\d+$/.test(value)) app.serverRetryMs = Math.max(250, Number(value));
      }
    };
  }

  function askForToken(result) {
    forgetToken();
    setConnection("auth", result.message);
    const login = $("login");
    const message = $("login-message");
    if (result.status === 403) {
      message.textContent = "That token belongs to a client that is not an administrator. Enter an admin token.";
    } else if (result.hadToken) {
      message.textContent = "That token was not accepted. Enter an admin token.";
    } else {
      message.textContent = "This keypool has client tokens configured. Enter the token of a client with \"admin\": true.";
    }
    login.hidden = false;
    $("providers").hidden = true;
    $("empty").hidden = true;
    const input = /** @type {HTMLInputElement} */ ($("token-input"));
    input.value = "";
    input.focus();
    return new Promise((resolve) => {
      const form = $("login-form");
      form.addEventListener(
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

  // -------------------------------------------------------------- snapshots

  function onSnapshot(snapshot) {
    const now = Date.now();
    const generated = Date.parse(snapshot.generated_at);
    if (Number.isFinite(generated)) app.offsetMs = generated - now;
    app.snapshot = snapshot;
    app.received += 1;
    const t = Number.isFinite(generated) ? generated : now;
    for (const p of snapshot.providers) {
      let rpm = 0;
      for (const k of p.keys) {
        rpm += k.requests_in_window;
        const id = `${p.provider}\u0000${k.key_id}`;
        let list = app.keyHistory.get(id);
        if (list === undefined) app.keyHistory.set(id, (list = []));
        pushHistory(list, { t, rpm: k.requests_in_window });
      }
      let list = app.providerHistory.get(p.provider);
      if (list === undefined) app.providerHistory.set(p.provider, (list = []));
      pushHistory(list, { t, balance: p.balance_ratio, rpm });
    }
    if (app.connection !== "live") setConnection("live", "");
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
      updateProvider(view, p);
      previous = view.root;
    }
    for (const [name, view] of app.views) {
      if (seen.has(name)) continue;
      view.root.remove();
      app.views.delete(name);
    }
    $("empty").hidden = snapshot.providers.length > 0;
    setText($("generation"), `config generation ${snapshot.config_generation}`);
    tick();
  }

  // --------------------------------------------------------- provider view

  function tile(label, hint) {
    const root = el("div", "tile");
    const head = el("div", "tile-label", label);
    if (hint) head.title = hint;
    const main = el("div", "tile-main");
    const big = el("span", "big");
    const side = el("span", "tile-side");
    main.append(big, side);
    const sub = el("div", "tile-sub");
    root.append(head, main);
    return { root, big, side, sub, main };
  }

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
    requests.spark = spark("spark spark-requests");
    requests.root.append(requests.spark.svg, requests.bar.root, requests.sub);

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
    root.append(head, tiles, wrap);
    return { root, summary, balance, requests, tokens, inflight, totals, tbody, rows: new Map() };
  }

  const COLUMNS = [
    ["Key", "c-key", "Key id, label and masked key (last four characters at most)."],
    ["State", "c-state", ""],
    ["In flight", "c-num c-inflight", "Open leases."],
    ["Utilization", "c-util", "Use against each limit now; peak is the highest fraction of any limit, per-day and custom windows included."],
    ["Req / min", "c-rpm", "Requests in the last minute, with its course while this page has been open."],
    ["Tok / min", "c-num c-tpm", "Tokens in the last minute, estimates of open leases included."],
    ["p50 / p95", "c-num c-latency", "Reported latency over the last 1,000 reports of at most 5 minutes."],
    ["429s", "c-num c-429", "Rate-limited reports since start."],
    ["Errors", "c-num c-errors", "Reports with any other failed outcome since start."],
  ];

  function capacityBar() {
    const root = el("div", "cap-bar");
    const fill = el("div", "cap-fill");
    const unavailable = el("div", "cap-unavailable");
    root.append(fill, unavailable);
    return { root, fill, unavailable };
  }

  function setCapacity(bar, used, capacity, available) {
    const has = Number.isFinite(capacity) && capacity > 0;
    bar.root.hidden = !has;
    if (!has) return;
    const fraction = Math.min(1, used / capacity);
    bar.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    bar.fill.dataset.level = level(fraction);
    const gone = Math.max(0, Math.min(1, 1 - available / capacity));
    bar.unavailable.style.width = `${(gone * 100).toFixed(1)}%`;
    bar.unavailable.hidden = gone === 0;
  }

  /** Requests per minute a key can sustain: its rpm and every request window of at most a minute, scaled to a minute. */
  function perMinuteCapacity(k, kind) {
    let cap = kind === "requests" ? (k.limits.rpm ?? Infinity) : (k.limits.tpm ?? Infinity);
    for (const w of k.limits.windows) {
      const n = w[kind];
      if (n !== undefined && w.per_ms <= 60_000) cap = Math.min(cap, (n * 60_000) / w.per_ms);
    }
    return cap;
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
    const rpm = sum(p.keys, (k) => k.requests_in_window);
    const rpmCap = sum(enabled, (k) => perMinuteCapacity(k, "requests"));
    const rpmAvail = sum(active, (k) => perMinuteCapacity(k, "requests"));
    setText(view.requests.big, compact(rpm));
    setText(view.requests.side, Number.isFinite(rpmCap) && rpmCap > 0 ? `of ${compact(rpmCap)}` : "");
    const rpmEnabled = sum(enabled, (k) => k.requests_in_window);
    setCapacity(view.requests.bar, rpmEnabled, rpmCap, rpmAvail);
    const unlimitedBy = (kind) => enabled.filter((k) => perMinuteCapacity(k, kind) === Infinity).length;
    setText(view.requests.sub, capacityText(rpmEnabled, rpm - rpmEnabled, rpmCap, rpmAvail, "request", unlimitedBy("requests"), enabled.length));
    const rpmMax = Math.max(1, ...history.map((s) => s.rpm));
    drawSpark(view.requests.spark, history.map((s) => ({ t: s.t, v: s.rpm })), now, rpmMax, span);

    const tpm = sum(p.keys, (k) => k.tokens_in_window);
    const tpmCap = sum(enabled, (k) => perMinuteCapacity(k, "tokens"));
    const tpmAvail = sum(active, (k) => perMinuteCapacity(k, "tokens"));
    setText(view.tokens.big, compact(tpm));
    setText(view.tokens.side, Number.isFinite(tpmCap) && tpmCap > 0 ? `of ${compact(tpmCap)}` : "");
    const tpmEnabled = sum(enabled, (k) => k.tokens_in_window);
    setCapacity(view.tokens.bar, tpmEnabled, tpmCap, tpmAvail);
    setText(view.tokens.sub, capacityText(tpmEnabled, tpm - tpmEnabled, tpmCap, tpmAvail, "token", unlimitedBy("tokens"), enabled.length));

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

    // One row per key, in snapshot order.
    const yMax = Math.max(1, ...p.keys.map((k) => maxOf(app.keyHistory.get(`${p.provider}\u0000${k.key_id}`))));
    const seen = new Set();
    let previous = null;
    for (const k of p.keys) {
      seen.add(k.key_id);
      let row = view.rows.get(k.key_id);
      if (row === undefined) {
        row = keyRow(k.key_id);
        view.rows.set(k.key_id, row);
      }
      const want = previous === null ? view.tbody.firstChild : previous.nextSibling;
      if (want !== row.tr) view.tbody.insertBefore(row.tr, want);
      updateRow(row, p.provider, k, yMax, now, span);
      previous = row.tr;
    }
    for (const [id, row] of view.rows) {
      if (seen.has(id)) continue;
      row.tr.remove();
      view.rows.delete(id);
      app.keyHistory.delete(`${p.provider}\u0000${id}`);
    }
  }

  function maxOf(list) {
    let m = 0;
    for (const s of list || []) if (s.rpm > m) m = s.rpm;
    return m;
  }

  /**
   * Use of the enabled keys against their limits, what of it is not available
   * now (keys cooling down or exhausted), and traffic still on keys out of
   * rotation (draining, disabled), which counts against no capacity.
   */
  function capacityText(used, outside, capacity, available, unit, unlimited, enabledCount) {
    const parts = [];
    if (!Number.isFinite(capacity)) parts.push(unlimited === enabledCount ? `no ${unit} limits configured` : `no ${unit} limit on ${unlimited} of ${enabledCount} keys`);
    else if (capacity <= 0) parts.push("no enabled key");
    else {
      parts.push(`${Math.round((100 * used) / capacity)}% of the enabled keys' limits`);
      if (capacity - available > 0) parts.push(`${compact(capacity - available)} not available now`);
    }
    if (outside > 0) parts.push(`${compact(outside)} on keys out of rotation`);
    return parts.join(" · ");
  }

  function balanceTrend(history, now) {
    if (history.length < 2) return { text: "", direction: "none", title: "" };
    const latest = history[history.length - 1];
    let then = history[0];
    for (const s of history) {
      if (s.t <= now - TREND_MS) then = s;
      else break;
    }
    const span = latest.t - then.t;
    if (span < 10_000) return { text: "", direction: "none", title: "a trend shows after 10 seconds" };
    const delta = latest.balance - then.balance;
    const over = span >= TREND_MS - 2_000 ? "1 min" : `${Math.round(span / 1_000)} s`;
    const title = `${then.balance.toFixed(2)} ${over} ago`;
    if (Math.abs(delta) < 0.025) return { text: `→ steady over ${over}`, direction: "flat", title };
    const sign = delta > 0 ? "+" : "−";
    return { text: `${delta > 0 ? "▲" : "▼"} ${sign}${Math.abs(delta).toFixed(2)} in ${over}`, direction: delta > 0 ? "up" : "down", title };
  }

  // -------------------------------------------------------------- key rows

  function keyRow(keyId) {
    const tr = el("tr", "key-row");
    tr.dataset.keyId = keyId;
    const cells = {};
    for (const [label, cls] of COLUMNS) {
      const td = el("td", cls);
      td.dataset.label = label;
      tr.append(td);
      cells[cls.split(" ").pop()] = td;
    }
    const id = el("div", "key-id", keyId);
    const label = el("div", "key-label");
    const mask = el("code", "key-mask");
    const weight = el("span", "key-weight");
    const line = el("div", "key-line");
    line.append(mask, weight);
    cells["c-key"].append(id, label, line);

    const badge = el("span", "badge");
    const countdown = el("span", "countdown");
    const reason = el("div", "reason");
    const stateLine = el("div", "state-line");
    stateLine.append(badge, countdown);
    cells["c-state"].append(stateLine, reason);

    const rpmValue = el("span", "rpm-value");
    const rpmSpark = spark("spark spark-key");
    const rpmWrap = el("div", "rpm-wrap");
    rpmWrap.append(rpmValue, rpmSpark.svg);
    cells["c-rpm"].append(rpmWrap);

    return { tr, cells, id, label, mask, weight, badge, countdown, reason, rpmValue, rpmSpark, utilSignature: "", cooldownUntil: null, state: "" };
  }

  function updateRow(row, provider, k, yMax, now, span) {
    row.tr.dataset.state = k.state;
    row.state = k.state;
    setText(row.label, k.label && k.label !== k.key_id ? k.label : "");
    row.label.hidden = !(k.label && k.label !== k.key_id);
    setText(row.mask, k.masked_key);
    setText(row.weight, k.weight !== 1 ? `weight ${k.weight}` : "");
    row.weight.hidden = k.weight === 1;

    setText(row.badge, STATE_LABEL[k.state] || k.state);
    row.badge.dataset.state = k.state;
    setText(row.reason, k.state_reason || "");
    setTitle(row.reason, k.state_reason || "");
    row.reason.hidden = !k.state_reason;
    row.cooldownUntil = k.cooldown_until ? Date.parse(k.cooldown_until) : null;
    updateCountdown(row, now);

    setText(row.cells["c-inflight"], k.limits.max_concurrent !== null ? `${k.in_flight} / ${k.limits.max_concurrent}` : String(k.in_flight));
    renderUtilization(row, k);

    setText(row.rpmValue, compact(k.requests_in_window));
    const history = app.keyHistory.get(`${provider}\u0000${k.key_id}`) || [];
    drawSpark(row.rpmSpark, history.map((s) => ({ t: s.t, v: s.rpm })), now, yMax, span);

    setText(row.cells["c-tpm"], compact(k.tokens_in_window));
    const lat = row.cells["c-latency"];
    setText(lat, k.latency_p50_ms === null ? "–" : `${latency(k.latency_p50_ms)} / ${latency(k.latency_p95_ms)}`);
    setTitle(lat, k.latency_p99_ms === null ? "no reported latency yet" : `p99 ${latency(k.latency_p99_ms)}`);

    const r429 = row.cells["c-429"];
    setText(r429, compact(k.rate_limited_total));
    r429.dataset.nonzero = String(k.rate_limited_total > 0);
    const errors = row.cells["c-errors"];
    setText(errors, compact(k.errors_total));
    errors.dataset.nonzero = String(k.errors_total > 0);
    const byOutcome = Object.entries(k.errors_by_outcome || {})
      .map(([o, n]) => `${o.replace(/_/g, " ")} ${n}`)
      .join(", ");
    const expired = k.expired_leases_total > 0 ? `${byOutcome ? "; " : ""}${k.expired_leases_total} leases expired unreported` : "";
    setTitle(errors, byOutcome || expired ? `${byOutcome}${expired}` : "no errors");
  }

  function updateCountdown(row, now) {
    const until = row.cooldownUntil;
    if (until === null || row.state === "active" || row.state === "draining") {
      setText(row.countdown, "");
      row.countdown.hidden = true;
      return;
    }
    row.countdown.hidden = false;
    const left = until - now;
    const verb = row.state === "disabled" ? "probe in" : "back in";
    setText(row.countdown, left > 0 ? `${verb} ${timeLeft(left)}` : row.state === "disabled" ? "probe allowed" : "ending…");
    row.countdown.title = `until ${clock(until - app.offsetMs)}`;
  }

  /**
   * A bar against each limit whose use the snapshot carries (rpm, tpm, open
   * leases). Per-day and custom windows are not counted in the snapshot, but
   * the key's utilization is the highest fraction of any limit: when it is
   * above every counted one, one of those limits is the tightest, and gets
   * the bar; otherwise they are named below the bars.
   */
  function renderUtilization(row, k) {
    const L = k.limits;
    const bars = [];
    const counted = (name, used, limit) => bars.push({ name, fraction: used / limit, text: `${compact(used)} / ${compact(limit)}` });
    if (L.rpm !== null) counted("rpm", k.requests_in_window, L.rpm);
    if (L.tpm !== null) counted("tpm", k.tokens_in_window, L.tpm);
    if (L.max_concurrent !== null) counted("open", k.in_flight, L.max_concurrent);
    const others = [];
    if (L.rpd !== null) others.push({ short: `${compact(L.rpd)}/day`, long: `${compact(L.rpd)} requests per day` });
    for (const w of L.windows) {
      const n = w.requests ?? w.tokens;
      const what = w.requests !== undefined ? "requests" : "tokens";
      others.push({ short: `${compact(n)}${w.requests !== undefined ? "" : " tok"}/${per(w.per_ms)}`, long: `${compact(n)} ${what} per ${per(w.per_ms)}` });
    }
    const highestCounted = Math.max(0, ...bars.map((b) => b.fraction));
    let note = "";
    if (others.length > 0) {
      if (bars.length === 0 || k.utilization > highestCounted + 0.005) {
        bars.push({
          name: others.length === 1 ? others[0].short : "other",
          fraction: k.utilization,
          text: `${Math.round(k.utilization * 100)}%`,
          wide: true,
          title: others.map((o) => o.long).join(", "),
        });
      } else {
        note = `also ${others.map((o) => o.long).join(", ")}`;
      }
    }
    const signature = JSON.stringify([bars.map((b) => [b.name, b.fraction.toFixed(3), b.text]), note]);
    if (signature === row.utilSignature) return;
    row.utilSignature = signature;
    const cell = row.cells["c-util"];
    cell.replaceChildren();
    cell.title = `utilization ${Math.round(k.utilization * 100)}%: the highest fraction of any limit in use now`;
    cell.dataset.utilization = k.utilization.toFixed(3);
    if (bars.length === 0) {
      cell.append(el("span", "muted", "no limits"));
      return;
    }
    const grid = el("div", "util-grid");
    cell.append(grid);
    for (const b of bars) {
      const line = el("div", `util${b.wide ? " util-wide" : ""}`);
      if (b.title) line.title = b.title;
      const name = el("span", "util-name", b.name);
      const track = el("span", "util-track");
      const fill = el("span", "util-fill");
      const fraction = Math.max(0, Math.min(1, b.fraction));
      fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      fill.dataset.level = level(fraction);
      track.append(fill);
      line.append(name, track, el("span", "util-text", b.text));
      grid.append(line);
    }
    if (note) grid.append(el("div", "util-note", note));
  }

  // ------------------------------------------------------------ sparklines

  function spark(className) {
    const svg = svgEl("svg", { class: className, viewBox: "0 0 100 24", preserveAspectRatio: "none", "aria-hidden": "true" });
    const area = svgEl("path", { class: "spark-area" });
    const line = svgEl("path", { class: "spark-line" });
    // A zero-length path with a round cap: a dot that stays round in a stretched viewBox.
    const dot = svgEl("path", { class: "spark-dot" });
    svg.append(area, line, dot);
    return { svg, area, line, dot };
  }

  /**
   * Draws points on a time axis ending now and `spanMs` long: a minute at
   * first (history grows in from the right), then everything since the page
   * opened, at most HISTORY_MS.
   */
  function drawSpark(s, points, now, yMax, spanMs) {
    if (points.length === 0) {
      s.line.setAttribute("d", "");
      s.area.setAttribute("d", "");
      s.dot.setAttribute("d", "");
      return;
    }
    const x = (t) => Math.max(0, Math.min(100, 100 - ((now - t) / spanMs) * 100));
    const y = (v) => 22 - (Math.max(0, Math.min(yMax, v)) / yMax) * 20;
    const coords = points.map((p) => `${x(p.t).toFixed(2)},${y(p.v).toFixed(2)}`);
    const d = `M${coords.join("L")}`;
    const end = coords[coords.length - 1];
    s.line.setAttribute("d", d);
    s.dot.setAttribute("d", `M${end}L${end}`);
    const first = x(points[0].t);
    // A few seconds of history would be a sliver of area: the line and the dot say it better.
    s.area.setAttribute("d", 100 - first < 8 ? "" : `${d}L${end.split(",")[0]},24L${first.toFixed(2)},24Z`);
  }

  // ---------------------------------------------------------- every 250 ms

  /** Countdowns, "updated … ago" and the reconnect banner move on between snapshots. */
  function tick() {
    const now = Date.now();
    const text = $("conn-text");
    const banner = $("banner");
    const host = location.host;
    const snap = app.snapshot;
    const last = snap ? clock(Date.parse(snap.generated_at) - app.offsetMs) : "";
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
        const parts = [`Disconnected from keypool at ${host} since ${clock(app.since)}${app.lastError ? ` (${app.lastError})` : ""}.`];
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
      for (const view of app.views.values()) for (const row of view.rows.values()) updateCountdown(row, server);
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
    updateForgetButton();
    setInterval(tick, 250);
    void connectLoop();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
