/*
 * Loads what the charts and the per-model view show from the admin
 * server's history (GET /v1/stats/history). `getJson(url)` resolves to the
 * parsed body, or undefined when the server answered an error (a key or
 * model without history in the range is a 404, not a failure of the page).
 */
import { sumHistory } from "./model-usage.js";

const HISTORY = "/v1/stats/history";

function url(params) {
  return `${HISTORY}?${new URLSearchParams(params).toString()}`;
}

/** A provider's history over `range` ("1h", "24h") at its default resolution. */
export function loadProviderHistory(getJson, provider, range) {
  return getJson(url({ provider, range }));
}

/**
 * The buckets the sums are read in: a twelfth of the range or so. Buckets
 * start on multiples of their width, so one bucket as wide as the range
 * would hold only the time since the top of the current hour (or day);
 * twelve of them cover the range but for part of the oldest.
 */
const SUM_RESOLUTION = { "15m": "1m", "1h": "5m", "6h": "30m", "24h": "2h" };

/**
 * Per-model and per-(key, model) sums over `range` for one provider:
 * { byModel: Map model -> sum, byKey: Map keyId -> Map model -> sum }.
 * A dozen buckets per request, so each answer is small.
 */
export async function loadModelUsage(getJson, provider, models, keyIds, range) {
  const whole = { provider, range, resolution: SUM_RESOLUTION[range] ?? range };
  const byModel = new Map();
  const byKey = new Map();
  const modelSums = models.map(async (model) => {
    const h = await getJson(url({ ...whole, model }));
    if (h !== undefined) byModel.set(model, sumHistory(h));
  });
  const keySums = keyIds.map(async (key) => {
    const h = await getJson(url({ ...whole, key }));
    if (h === undefined) return;
    const perModel = new Map();
    await Promise.all(
      h.models.map(async (model) => {
        const hm = await getJson(url({ ...whole, key, model }));
        if (hm !== undefined) perModel.set(model, sumHistory(hm));
      }),
    );
    byKey.set(key, perModel);
  });
  await Promise.all([...modelSums, ...keySums]);
  return { byModel, byKey };
}
