/*
 * Which keys need an operator's eye, and the order and filter of the key
 * table. Pure functions over the snapshot's JSON keys.
 */

/** Problem keys sort first, most serious first; active keys last. */
const STATE_RANK = { disabled: 0, exhausted: 1, cooling_down: 2, draining: 4, active: 5 };
/** A high error rate ranks between cooling down and draining. */
const ERROR_RATE_RANK = 3;
/** Fewer reports than this say nothing about a key's error rate. */
export const MIN_REPORTS_FOR_RATE = 10;
/** Failed reports (429s included) at or above this share make a key a problem. */
export const HIGH_ERROR_RATE = 0.2;

/** Share of a key's reports that failed (429s included), or undefined with too few reports to tell. */
export function errorRate(k) {
  const failed = k.rate_limited_total + k.errors_total;
  const reported = k.successes_total + failed;
  return reported < MIN_REPORTS_FOR_RATE ? undefined : failed / reported;
}

/** Why a key is a problem ("disabled", "exhausted", "cooling_down", "error_rate"), or "" when it is not. */
export function problemOf(k) {
  if (k.state === "disabled" || k.state === "exhausted" || k.state === "cooling_down") return k.state;
  const rate = errorRate(k);
  return rate !== undefined && rate >= HIGH_ERROR_RATE ? "error_rate" : "";
}

function rank(k) {
  return problemOf(k) === "error_rate" ? ERROR_RATE_RANK : (STATE_RANK[k.state] ?? 5);
}

/** The orders the table offers; each compares two keys, ties keep configuration order. */
export const SORTS = {
  problems: { label: "problems first", compare: (a, b) => rank(a) - rank(b) },
  id: { label: "key id", compare: (a, b) => (a.key_id < b.key_id ? -1 : a.key_id > b.key_id ? 1 : 0) },
  requests: { label: "requests / min", compare: (a, b) => b.requests_in_window - a.requests_in_window },
  utilization: { label: "utilization", compare: (a, b) => b.utilization - a.utilization },
  rate_limited: { label: "429s", compare: (a, b) => b.rate_limited_total - a.rate_limited_total },
  errors: { label: "errors", compare: (a, b) => b.errors_total - a.errors_total },
};

/** The keys in the order `sort` names (problems first when unknown); stable, a new array. */
export function sortKeys(keys, sort) {
  const compare = (SORTS[sort] ?? SORTS.problems).compare;
  return keys
    .map((k, i) => ({ k, i }))
    .sort((a, b) => compare(a.k, b.k) || a.i - b.i)
    .map((e) => e.k);
}

/**
 * Whether a key passes the filter. `filter.state`: "" (any), "problems" or a
 * state name; `filter.text`: matched, case-folded, against id, label and
 * masked key; `filter.model`: "" or a model, with `modelsOf(keyId)` the set
 * of models the key served in the charted range.
 */
export function keyMatches(k, filter, modelsOf) {
  if (filter.state === "problems" && problemOf(k) === "") return false;
  if (filter.state !== "" && filter.state !== "problems" && k.state !== filter.state) return false;
  if (filter.model !== "" && !(modelsOf(k.key_id)?.has(filter.model) ?? false)) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === "") return true;
  return [k.key_id, k.label, k.masked_key].some((s) => s.toLowerCase().includes(text));
}
