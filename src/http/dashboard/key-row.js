/*
 * One row of a provider's key table: id, label and masked key, its limits
 * (configured, per model, its scope's and learned), state with its
 * countdown, reason and who changed it, use against each limit, requests
 * with a sparkline, latency, 429s and errors; and a slot for the actions.
 */
import { el, setText, setTitle } from "./dom.js";
import { clockTime, compact, latency, level, per, timeLeft } from "./format.js";
import { changedByText } from "./key-actions.js";
import { errorRate, problemOf } from "./key-order.js";
import { keyLimitLines } from "./limit-text.js";
import { drawSpark, spark } from "./sparkline.js";

export const STATE_LABEL = {
  active: "active",
  cooling_down: "cooling down",
  exhausted: "exhausted",
  disabled: "disabled",
  draining: "draining",
};

export const COLUMNS = [
  ["Key", "c-key", "Key id, label, masked key (last four characters at most) and limits: configured for the key and per model, its scope's, and learned from the provider's answers."],
  ["State", "c-state", ""],
  ["In flight", "c-num c-inflight", "Open leases."],
  ["Utilization", "c-util", "Use against each limit now; peak is the highest fraction of any limit, per-day and custom windows included."],
  ["Req / min", "c-rpm", "Requests in the last minute, with its course while this page has been open."],
  ["Tok / min", "c-num c-tpm", "Tokens in the last minute, estimates of open leases included."],
  ["p50 / p95", "c-num c-latency", "Reported latency over the last 1,000 reports of at most 5 minutes."],
  ["429s", "c-num c-429", "Rate-limited reports since start."],
  ["Errors", "c-num c-errors", "Reports with any other failed outcome since start."],
];

export function keyRow(keyId) {
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
  const limits = el("div", "key-limit-lines");
  // Actions on this key (key-action-view.js), filled in by the page, shown to an administrator only.
  const actions = el("div", "key-actions");
  actions.hidden = true;
  cells["c-key"].append(id, label, line, limits, actions);

  const badge = el("span", "badge");
  const countdown = el("span", "countdown");
  const reason = el("div", "reason");
  const changedBy = el("div", "changed-by");
  const stateLine = el("div", "state-line");
  stateLine.append(badge, countdown);
  cells["c-state"].append(stateLine, reason, changedBy);

  const rpmValue = el("span", "rpm-value");
  const rpmSpark = spark("spark spark-key");
  const rpmWrap = el("div", "rpm-wrap");
  rpmWrap.append(rpmValue, rpmSpark.svg);
  cells["c-rpm"].append(rpmWrap);

  return { tr, cells, id, label, mask, weight, limits, actions, badge, countdown, reason, changedBy, rpmValue, rpmSpark, utilSignature: "", limitSignature: "", cooldownUntil: null, state: "" };
}

/** Brings a row up to a key's snapshot; `history` is its requests-per-minute samples since the page opened. */
export function updateRow(row, k, history, yMax, now, span, offsetMs) {
  row.tr.dataset.state = k.state;
  row.tr.dataset.problem = problemOf(k);
  row.state = k.state;
  setText(row.label, k.label && k.label !== k.key_id ? k.label : "");
  row.label.hidden = !(k.label && k.label !== k.key_id);
  setText(row.mask, k.masked_key);
  setText(row.weight, k.weight !== 1 ? `weight ${k.weight}` : "");
  row.weight.hidden = k.weight === 1;
  renderLimits(row, k);

  setText(row.badge, STATE_LABEL[k.state] || k.state);
  row.badge.dataset.state = k.state;
  setText(row.reason, k.state_reason || "");
  setTitle(row.reason, k.state_reason || "");
  row.reason.hidden = !k.state_reason;
  const by = changedByText(k);
  setText(row.changedBy, by);
  row.changedBy.hidden = by === "";
  row.cooldownUntil = k.cooldown_until ? Date.parse(k.cooldown_until) : null;
  updateCountdown(row, now, offsetMs);

  setText(row.cells["c-inflight"], k.limits.max_concurrent !== null ? `${k.in_flight} / ${k.limits.max_concurrent}` : String(k.in_flight));
  renderUtilization(row, k);

  setText(row.rpmValue, compact(k.requests_in_window));
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
  const rate = errorRate(k);
  const share = rate === undefined ? "" : `${byOutcome || expired ? "; " : ""}${Math.round(rate * 100)}% of reports failed (429s included)`;
  setTitle(errors, byOutcome || expired || share ? `${byOutcome}${expired}${share}` : "no errors");
}

export function updateCountdown(row, now, offsetMs) {
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
  row.countdown.title = `until ${clockTime(until - offsetMs)}`;
}

/** The key's limit lines; rebuilt only when they change, since learned counts move with every answer. */
function renderLimits(row, k) {
  const lines = keyLimitLines(k);
  const signature = JSON.stringify(lines);
  if (signature === row.limitSignature) return;
  row.limitSignature = signature;
  // More than its own limits: at phone width the key then takes the card's whole width (dashboard.css).
  row.tr.dataset.limits = lines.some((l) => l.kind !== "configured" && l.kind !== "none") ? "detailed" : "plain";
  row.limits.replaceChildren(
    ...lines.map((l) => {
      const div = el("div", "key-limits");
      // The space between pieces is where the line may break.
      for (const [i, piece] of l.pieces.entries()) div.append(...(i > 0 ? [" "] : []), el("span", "", piece));
      div.dataset.kind = l.kind;
      if (l.title) div.title = l.title;
      return div;
    }),
  );
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
  // Bounded by its scope's, a model's or learned limits alone, a key is not "unlimited": the lines under its id say by what.
  const empty = row.tr.dataset.limits === "detailed" ? "none of its own" : "no limits";
  const signature = JSON.stringify([bars.map((b) => [b.name, b.fraction.toFixed(3), b.text]), note, empty]);
  if (signature === row.utilSignature) return;
  row.utilSignature = signature;
  const cell = row.cells["c-util"];
  cell.replaceChildren();
  cell.title = `utilization ${Math.round(k.utilization * 100)}%: the highest fraction of any limit in use now`;
  cell.dataset.utilization = k.utilization.toFixed(3);
  if (bars.length === 0) {
    cell.append(el("span", "muted", empty));
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
