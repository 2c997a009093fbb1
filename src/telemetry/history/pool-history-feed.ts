import type { PoolSnapshot } from "../../pool/stats-types.js";
import type { PoolEvent } from "../../pool/types.js";
import type { HistoryDirectory } from "./history-types.js";
import type { StatsHistory } from "./stats-history.js";

/** The part of the pool the history depends on: its event stream and its snapshot. */
export interface HistoryPoolSource {
  subscribe(listener: (event: PoolEvent) => void): () => void;
  providerNames(): string[];
  snapshot(providers?: readonly string[]): PoolSnapshot;
}

/** Feeds pool events into the history; returns the unsubscription. */
export function followPool(pool: HistoryPoolSource, history: StatsHistory): () => void {
  return pool.subscribe((e) => {
    switch (e.type) {
      case "acquired":
        history.recordAcquired(e.provider, e.keyId, e.model ?? "", e.waitedMs);
        break;
      case "refused":
        history.recordRefused(e.provider);
        break;
      case "reported":
        history.recordEnded(e.provider, e.keyId, e.model ?? "", e.outcome, e.promptTokens, e.completionTokens, e.latencyMs);
        break;
      case "lease_expired":
        history.recordEnded(e.provider, e.keyId, e.model ?? "", "expired");
        break;
      case "key_state":
        history.recordKeyState(e.provider, e.keyId, e.to, `${e.from} → ${e.to}${e.reason === "" ? "" : `: ${e.reason}`}`, e.by);
        break;
    }
  });
}

/** The configured providers and keys (ids and masked keys), read from a snapshot. */
export function poolDirectory(pool: HistoryPoolSource): HistoryDirectory {
  return {
    providerNames: () => pool.providerNames(),
    keysOf: (provider) => {
      const p = pool.snapshot([provider]).providers.find((s) => s.provider === provider);
      return new Map((p?.keys ?? []).map((k) => [k.keyId, k.maskedKey]));
    },
  };
}
