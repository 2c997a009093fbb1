/*
 * The lines under a key's id that say what bounds it: its configured limits,
 * its limits per model, the scope whose quota it shares, and the limits
 * learned from the provider's answers. Pure functions over the statistics
 * JSON (src/pool/stats-json.ts): imported by the page and by its unit tests.
 */
import { compact, limitParts, per, trim } from "./format.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A limit set of a model or a scope ({rpm, tpm, rpd}, null for none), one entry a limit: ["5 rpm", "100 rpd"]. */
export function limitSetParts(l) {
  return limitParts({ rpm: l.rpm, tpm: l.tpm, rpd: l.rpd, max_concurrent: null, windows: [] });
}

/** Per-model limits by model name, models without any limit left out: [["gemini-2.5-pro", ["5 rpm", "100 rpd"]]]. */
export function modelLimitEntries(modelLimits) {
  return Object.entries(modelLimits || {})
    .map(([model, l]) => [model, limitSetParts(l)])
    .filter(([, parts]) => parts.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The pieces of a line, where it may wrap: its head, then each limit with
 * the separator after it, " ·" within a group and ";" between groups. A
 * piece is never cut, so "60 rpm (12 left)" stays whole.
 */
export function linePieces(head, groups) {
  const filled = groups.filter((g) => g.length > 0);
  const out = head ? [head] : [];
  filled.forEach((group, g) => group.forEach((item, i) => out.push(`${item}${i < group.length - 1 ? " ·" : g < filled.length - 1 ? ";" : ""}`)));
  return out;
}

/** How much of what, over which window: "60 rpm", "150k tpm", "14k rpd", "5/10 s", "1M tok/10 s". */
function learnedAmount(l) {
  const requests = l.dimension === "requests";
  const amount = l.limit === null ? "" : `${compact(l.limit)} `;
  if (l.window_ms === MINUTE_MS) return `${amount}${requests ? "rpm" : "tpm"}`;
  if (l.window_ms === DAY_MS) return `${amount}${requests ? "rpd" : "tpd"}`;
  // An odd window reads as a fraction, like a configured custom window; without a limit, "?" holds its place.
  return `${l.limit === null ? "?" : compact(l.limit)}${requests ? "" : " tok"}/${per(l.window_ms)}`;
}

/**
 * What is left, in at most four characters like compact(), but rounded
 * down: 4,990 left of 5,000 must not read as "5k left".
 */
export function leftText(n) {
  if (n < 1_000) return String(n);
  const [unit, suffix] = n < 1_000_000 ? [1_000, "k"] : n < 1_000_000_000 ? [1_000_000, "M"] : [1_000_000_000, "G"];
  const digits = n / unit < 10 ? 1 : 0;
  const scale = 10 ** digits;
  return `${trim((Math.floor((n / unit) * scale) / scale).toFixed(digits))}${suffix}`;
}

/** One learned limit: "60 rpm (12 left)", "150k tpm (scope)", "60 rpm (50 left, scope)". */
export function learnedLimitText(l) {
  const notes = [];
  if (l.remaining !== null) notes.push(`${leftText(l.remaining)} left`);
  if (l.holder === "scope") notes.push("scope");
  return notes.length === 0 ? learnedAmount(l) : `${learnedAmount(l)} (${notes.join(", ")})`;
}

/** The same at length, for a tooltip: what it bounds, for whom, where it came from. */
export function learnedLimitTitle(l, scopeName) {
  const window = l.window_ms === MINUTE_MS ? "minute" : l.window_ms === DAY_MS ? "day" : per(l.window_ms);
  const facts = [];
  if (l.limit !== null) facts.push(`limit ${l.limit}`);
  if (l.remaining !== null) facts.push(`${l.remaining} left when last answered`);
  if (l.others > 0) facts.push(`${l.others} used by others`);
  const holder = l.holder === "scope" ? `the scope${scopeName ? ` ${scopeName}` : ""}` : "this key";
  return `${l.dimension} per ${window}${l.model ? ` for ${l.model}` : ""}, learned for ${holder} from ${l.source}: ${facts.join(", ")}`;
}

/** A line of its kind, its pieces (linePieces) and its tooltip; `text` is the pieces read as one line. */
function line(kind, pieces, title) {
  return { kind, text: pieces.join(" "), pieces, title };
}

/**
 * A key's limit lines, in reading order. `kind` is configured, model,
 * scope or learned; a line's `title` says it at length. A key bound by
 * nothing says so in one line.
 */
export function keyLimitLines(k) {
  const lines = [];
  const configured = limitParts(k.limits);
  if (configured.length > 0) lines.push(line("configured", linePieces("limits", [configured]), "configured for this key"));
  for (const [model, parts] of modelLimitEntries(k.model_limits)) lines.push(line("model", linePieces(model, [parts]), "configured for this key and model"));
  if (k.scope) {
    const s = k.scope;
    const state = s.state === "active" ? "" : ` ${s.state.replace(/_/g, " ")}`;
    const models = modelLimitEntries(s.model_limits).map(([model, [first, ...rest]]) => [`${model} ${first}`, ...rest]);
    lines.push(
      line(
        "scope",
        linePieces(`scope ${s.name}${state}`, [limitSetParts(s.limits), ...models]),
        `shares the quota of the scope ${s.name} with its other keys: ${s.requests_in_window} requests in its minute${s.reason ? `; ${s.reason}` : ""}`,
      ),
    );
  }
  // One line a model: a learned limit bounds the model it was read for; one read without a model bounds them all.
  const byModel = new Map();
  for (const l of k.learned_limits || []) {
    const group = byModel.get(l.model) || [];
    group.push(l);
    byModel.set(l.model, group);
  }
  for (const model of [...byModel.keys()].sort()) {
    const group = byModel.get(model).slice().sort((a, b) => (a.dimension === b.dimension ? a.window_ms - b.window_ms : a.dimension === "requests" ? -1 : 1));
    const title = group.map((l) => learnedLimitTitle(l, k.scope?.name)).join("\n");
    lines.push(line("learned", linePieces(`learned${model ? ` ${model}` : ""}`, [group.map(learnedLimitText)]), title));
  }
  if (lines.length === 0) lines.push(line("none", ["no limits configured"], ""));
  return lines;
}
