import type { PoolSettings } from "../config/types.js";
import { clientLimited, type KeypoolError } from "../protocol/keypool-error.js";

interface Bucket {
  tokens: number;
  at: number;
}

/** Clients with no open lease whose zero count is kept, so that memory follows active clients. */
const IDLE_CLIENTS_KEPT = 10_000;

/** Retry hint for a client at its open-lease cap: capacity returns with its next report. */
const OPEN_LEASES_RETRY_MS = 1_000;

export interface ClientRefusal {
  readonly limit: "client_rate" | "client_open_leases";
  readonly error: KeypoolError;
}

/**
 * Per-client guards against a runaway or hostile caller: how many leases it
 * may hold open and how fast it may ask. Clients are the authenticated names
 * (all anonymous callers share one). State is dropped when a client is idle,
 * so memory follows active clients, not every name ever seen.
 */
export class ClientLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one acquisition attempt from the client's rate; says which limit refuses it, if one does. */
  admit(client: string, now: number, settings: PoolSettings): ClientRefusal | undefined {
    const rate = settings.acquireRatePerClient;
    if (Number.isFinite(rate)) {
      const burst = Math.max(1, rate);
      const b = this.buckets.get(client) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
      b.at = now;
      if (b.tokens < 1) {
        this.buckets.set(client, b);
        const retry = Math.ceil(((1 - b.tokens) * 1000) / rate);
        return {
          limit: "client_rate",
          error: clientLimited(`client ${label(client)} is over its acquisition rate of ${rate}/s`, retry),
        };
      }
      b.tokens -= 1;
      this.buckets.set(client, b);
      // A full bucket carries no information: forget it.
      if (b.tokens >= burst - 1 && this.buckets.size > 10_000) this.buckets.delete(client);
    }
    const open = this.open.get(client) ?? 0;
    if (open >= settings.maxOpenLeasesPerClient) {
      return {
        limit: "client_open_leases",
        error: clientLimited(
          `client ${label(client)} holds ${open} open leases, the most allowed; report some first`,
          OPEN_LEASES_RETRY_MS,
        ),
      };
    }
    return undefined;
  }

  leaseOpened(client: string): void {
    this.open.set(client, (this.open.get(client) ?? 0) + 1);
  }

  leaseEnded(client: string): void {
    const n = (this.open.get(client) ?? 0) - 1;
    // A client at zero keeps its entry while there are few: deleting and re-adding it on every lease churned the map.
    if (n <= 0 && this.open.size > IDLE_CLIENTS_KEPT) this.open.delete(client);
    else this.open.set(client, Math.max(0, n));
  }

  openLeases(client: string): number {
    return this.open.get(client) ?? 0;
  }
}

function label(client: string): string {
  return client === "" ? "(anonymous)" : client;
}
