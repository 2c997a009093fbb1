import type { Clock, TimerHandle } from "../clock/clock.js";
import type { LeasePool } from "../pool/lease-pool.js";
import { recheckDue, type RecheckVerdict } from "../pool/key-recheck.js";
import { probeKey, type KeyProbe, type ProbeResult } from "../provider-http/key-probe.js";

/** How often the keys are looked over for a due recheck; a recheck is due after `unauthorized_recheck` (30 min by default). */
export const RECHECK_SCAN_MS = 5_000;

/** Probes running at once: a pool of revoked keys must not become a burst against the provider. */
const MAX_CONCURRENT_PROBES = 4;

export interface RecheckOutcome {
  readonly provider: string;
  readonly keyId: string;
  readonly verdict: RecheckVerdict;
  readonly httpStatus: number | undefined;
  /** The provider's words, without any secret. */
  readonly reason: string;
  readonly changed: boolean;
}

export interface KeyRecheckerOptions {
  readonly pool: LeasePool;
  readonly clock: Clock;
  /** The check itself; default the provider's model listing ({@link probeKey}). */
  readonly probe?: (key: KeyProbe) => Promise<ProbeResult>;
  readonly scanMs?: number | undefined;
  readonly onRecheck?: (outcome: RecheckOutcome) => void;
  readonly onError?: (err: unknown, provider: string, keyId: string) => void;
}

/**
 * Rechecks keys configured with `probe: true` that a 401/403 disabled, with
 * the same call `keypool check-keys` makes, once their recheck is due, so that
 * no caller's request is spent finding out whether a revoked key works again.
 * A 429 counts as valid: the provider authenticated the key.
 */
export class KeyRechecker {
  private readonly probe: (key: KeyProbe) => Promise<ProbeResult>;
  private readonly scanMs: number;
  private readonly running = new Set<string>();
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly options: KeyRecheckerOptions) {
    this.probe = options.probe ?? ((key) => probeKey(key));
    this.scanMs = options.scanMs ?? RECHECK_SCAN_MS;
  }

  start(): void {
    this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Starts the rechecks due now; resolves when they have ended. */
  async scan(): Promise<void> {
    const now = this.options.clock.now();
    const due: Promise<void>[] = [];
    for (const { provider, key } of this.options.pool.keys()) {
      if (this.running.size >= MAX_CONCURRENT_PROBES) break;
      const id = `${provider}\u0000${key.id}`;
      if (this.running.has(id) || !recheckDue(key.health, key.config.probe, now)) continue;
      this.running.add(id);
      const probe: KeyProbe = { provider, secret: key.config.secret, baseUrl: key.config.baseUrl };
      due.push(this.recheck(probe, key.id).finally(() => this.running.delete(id)));
    }
    await Promise.all(due);
  }

  private async recheck(probe: KeyProbe, keyId: string): Promise<void> {
    const { provider } = probe;
    try {
      const result = await this.probe(probe);
      const verdict: RecheckVerdict = result.verdict === "rate_limited" ? "valid" : result.verdict;
      const reason = result.reason ?? "";
      const { changed } = await this.options.pool.recheckKey(provider, keyId, verdict, reason);
      this.options.onRecheck?.({ provider, keyId, verdict, httpStatus: result.httpStatus, reason, changed });
    } catch (err) {
      this.options.onError?.(err, provider, keyId);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimer(() => {
      void this.scan().finally(() => this.schedule());
    }, this.scanMs);
  }
}
