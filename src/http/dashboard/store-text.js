/*
 * The shared store's line in the top bar: which Redis, how many sidecars are
 * alive, and, loudly, when this sidecar has lost it and serves alone or refuses.
 * Pure: the snapshot's `store` object in, text and a state out.
 */
export function storeText(store, clockTime) {
  if (!store) return undefined;
  const alive = `${store.sidecars_alive} sidecar${store.sidecars_alive === 1 ? "" : "s"} alive`;
  if (!store.degraded) return { state: "ok", text: `redis store · ${alive}`, title: store.location };
  const since = store.degraded_since ? ` since ${clockTime(Date.parse(store.degraded_since))}` : "";
  const what =
    store.failure_mode === "closed"
      ? "refusing every acquisition"
      : `serving alone with 1/${store.limits_divided_by ?? 1} of every limit`;
  return { state: "degraded", text: `redis store unreachable${since}: ${what}`, title: `${store.location}: ${store.reason}` };
}
