/*
 * The per-model view: history responses summed over the charted range, per
 * model and per (key, model). Pure functions.
 */

/** A history response's buckets summed: requests, 429s, other errors, tokens. */
export function sumHistory(h) {
  const sum = { requests: 0, rate_limited: 0, errors: 0, tokens: 0 };
  for (const b of h.buckets) {
    if (!b.recorded) continue;
    sum.requests += b.requests;
    sum.rate_limited += b.rate_limited;
    sum.errors += b.errors;
    sum.tokens += b.prompt_tokens + b.completion_tokens;
  }
  return sum;
}

/**
 * The rows of a provider's model table, busiest model first: each model's
 * totals and the keys that served it (busiest first), from per-(key, model)
 * sums `byKey`: Map keyId -> Map model -> sum.
 */
export function modelRows(byModel, byKey) {
  const rows = [];
  for (const [model, total] of byModel) {
    const keys = [];
    for (const [keyId, models] of byKey) {
      const s = models.get(model);
      if (s !== undefined && s.requests > 0) keys.push({ keyId, ...s });
    }
    keys.sort((a, b) => b.requests - a.requests || (a.keyId < b.keyId ? -1 : 1));
    rows.push({ model, ...total, keys });
  }
  return rows.sort((a, b) => b.requests - a.requests || (a.model < b.model ? -1 : 1));
}

/** keyId -> the set of models it served with requests in the range. */
export function modelsByKey(byKey) {
  const out = new Map();
  for (const [keyId, models] of byKey) {
    out.set(keyId, new Set([...models].filter(([, s]) => s.requests > 0).map(([m]) => m)));
  }
  return out;
}
