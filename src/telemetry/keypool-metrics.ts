import type { Counter, Histogram, Meter, ObservableGauge } from "@opentelemetry/api";
import { EventTallies } from "./event-tallies.js";
import { keyLimitPoints } from "./key-limit-points.js";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { AuthFailures } from "../auth/auth-failures.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { PoolEvent } from "../pool/types.js";
import type { KeyStateName } from "../pool/types.js";
import type { StatsSubscribers, StatsTransport } from "./stats-subscribers.js";

/** How a reload ended: a new generation, nothing to change, or refused with errors. */
export type ReloadResult = "applied" | "unchanged" | "rejected";
const reloadResults: readonly ReloadResult[] = ["applied", "unchanged", "rejected"];

export type { AcquisitionResult } from "./event-tallies.js";

/** The keypool_key_state value of each state: the proto's KeyState numbers. */
export const KEY_STATE_VALUES: Readonly<Record<KeyStateName, number>> = {
  active: 1,
  cooling_down: 2,
  exhausted: 3,
  disabled: 4,
  draining: 5,
};

/** Upstream latencies are seconds to minutes for LLM calls; the SDK's default buckets are for milliseconds. */
const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

const transports: readonly StatsTransport[] = ["grpc", "sse"];

export interface KeypoolMetricsOptions {
  readonly pool: LeasePool;
  readonly subscribers: StatsSubscribers;
  /** Failed authentications of every listener, when client tokens are configured. */
  readonly authFailures?: AuthFailures | undefined;
}

/**
 * keypool's OpenTelemetry instruments, read by a Prometheus exporter that the
 * admin HTTP server mounts at /metrics. Counters follow pool events as they
 * happen, as plain numbers read at scrape time (event-tallies.ts); gauges (in-flight, state, utilization, balance) are read from one
 * statistics snapshot per scrape, so they always agree with /v1/stats.
 * Labels are provider, key id and small fixed sets (result, outcome, kind):
 * never a secret, never caller input. Each server has its own meter provider,
 * so several servers in one process (tests) do not mix their numbers.
 */
export class KeypoolMetrics {
  /** Serves Prometheus text; mount its getMetricsRequestHandler on an HTTP route. */
  readonly exporter: PrometheusExporter;
  private readonly provider: MeterProvider;
  private readonly tallies: EventTallies;
  private readonly latency: Histogram;
  private readonly reloads: Counter;
  private readonly reportLimits: Counter;
  private readonly unsubscribe: () => void;

  constructor({ pool, subscribers, authFailures }: KeypoolMetricsOptions) {
    this.exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    this.provider = new MeterProvider({
      resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: "keypool" })),
      readers: [this.exporter],
    });
    const meter = this.provider.getMeter("keypool");
    this.tallies = new EventTallies(pool.providerNames());
    this.observeTallies(meter);
    this.latency = meter.createHistogram("keypool_upstream_latency_seconds", {
      description: "Latency of the provider calls made with leased keys, as reported by callers, by key",
      unit: "s",
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    });
    this.reloads = meter.createCounter("keypool_reloads", {
      description: "Configuration reloads by result: applied (new generation), unchanged, rejected (invalid; the running configuration stays)",
      unit: "{reload}",
    });
    this.reportLimits = meter.createCounter("keypool_report_limits", {
      description:
        "Reports held to a server-side bound, by key, client (its tokens-file name, or anonymous) and limit: retry_after_clamped (a cooldown cut to its maximum), key_action_budget (a client over its keys-put-out-of-service budget, counted once per minute)",
      unit: "{report}",
    });
    for (const result of reloadResults) this.reloads.add(0, { result });
    this.observeSnapshots(meter, pool, subscribers);
    if (authFailures !== undefined) observeAuthFailures(meter, authFailures);
    this.unsubscribe = pool.subscribe((e) => this.onEvent(e));
  }

  /** Counts a configuration reload; the reload path calls it once per attempt. */
  recordReload(result: ReloadResult): void {
    this.reloads.add(1, { result });
  }

  /** Stops following the pool and releases the meter provider. */
  async shutdown(): Promise<void> {
    this.unsubscribe();
    await this.provider.shutdown();
  }

  private onEvent(e: PoolEvent): void {
    const key = this.tallies.count(e);
    // A histogram has no observable form: recorded per report, with the key's labels built once.
    if (key !== undefined && e.type === "reported" && e.latencyMs !== undefined) this.latency.record(e.latencyMs / 1000, key.attributes);
    if (e.type === "report_limited") this.reportLimits.add(1, { provider: e.provider, key_id: e.keyId, client: e.client, limit: e.limit });
  }

  /** The per-call counters, read from the tallies at scrape time. */
  private observeTallies(meter: Meter): void {
    const acquisitions = meter.createObservableCounter("keypool_acquisitions", {
      description: "AcquireKey outcomes by provider: granted at once, granted after waiting, refused for lack of capacity (exhausted), refused otherwise (error)",
      unit: "{acquisition}",
    });
    const leases = meter.createObservableCounter("keypool_leases", {
      description: "Leases ended, by key and outcome: the reported outcome (success, rate_limited, ...) or expired",
      unit: "{lease}",
    });
    const tokens = meter.createObservableCounter("keypool_tokens", {
      description: "Tokens reported, by key and kind (prompt, completion)",
      unit: "{token}",
    });
    meter.addBatchObservableCallback(
      (result) => {
        for (const t of this.tallies.acquisitions()) result.observe(acquisitions, t.value, t.attributes);
        for (const k of this.tallies.keys()) {
          for (const t of k.leases.values()) result.observe(leases, t.value, t.attributes);
          if (k.prompt.value > 0) result.observe(tokens, k.prompt.value, k.prompt.attributes);
          if (k.completion.value > 0) result.observe(tokens, k.completion.value, k.completion.attributes);
        }
      },
      [acquisitions, leases, tokens],
    );
  }

  /** Gauges read at scrape time from one snapshot, so that they agree with each other. */
  private observeSnapshots(meter: Meter, pool: LeasePool, subscribers: StatsSubscribers): void {
    const gauge = (name: string, description: string, unit: string): ObservableGauge =>
      meter.createObservableGauge(name, { description, unit });
    const inFlight = gauge("keypool_leases_in_flight", "Open leases by key", "{lease}");
    const state = gauge(
      "keypool_key_state",
      "Key state by key: 1 active, 2 cooling down, 3 exhausted, 4 disabled, 5 draining (the proto's KeyState numbers)",
      "1",
    );
    const utilization = gauge("keypool_key_utilization", "Highest fraction of any of the key's limits in use now, 0..1", "1");
    const balance = gauge(
      "keypool_balance_ratio",
      "Smallest over largest weight-normalised requests in the current minute among the provider's active keys; 1 is perfectly even",
      "1",
    );
    const waiting = gauge("keypool_acquisitions_waiting", "Acquisitions waiting for a key now, by provider", "{acquisition}");
    const streams = gauge("keypool_stats_subscribers", "Live statistics streams by transport (grpc StreamStats, sse)", "{stream}");
    const storeDegraded = gauge(
      "keypool_store_degraded",
      "1 while the shared store is unreachable and this sidecar enforces its share of every limit alone (or refuses, with --store-failure closed); always 0 with the in-process store",
      "1",
    );
    const storeSidecars = gauge(
      "keypool_store_sidecars",
      "Sidecars sharing this pool's store with a live heartbeat, as this sidecar last saw them (itself included); while degraded, the number every limit is divided by",
      "{sidecar}",
    );
    const limit = gauge(
      "keypool_key_limit",
      "Limits that bound each key, side by side by source: configured, or learned from the provider's answers (for the key or its scope, per model)",
      "1",
    );
    const remaining = gauge("keypool_learned_remaining", "What the provider's last answer said was left of a learned limit until its reset", "1");
    meter.addBatchObservableCallback(
      (result) => {
        const snapshot = pool.snapshot();
        for (const p of snapshot.providers) {
          result.observe(balance, p.balanceRatio, { provider: p.provider });
          result.observe(waiting, p.waiting, { provider: p.provider });
          for (const k of p.keys) {
            const attrs = { provider: p.provider, key_id: k.keyId };
            result.observe(inFlight, k.inFlight, attrs);
            result.observe(state, KEY_STATE_VALUES[k.state], attrs);
            result.observe(utilization, k.utilization, attrs);
            for (const l of keyLimitPoints(k)) {
              const labels = { ...attrs, ...l.labels };
              if (l.limit !== undefined) result.observe(limit, l.limit, labels);
              if (l.remaining !== undefined) result.observe(remaining, l.remaining, labels);
            }
          }
        }
        for (const transport of transports) result.observe(streams, subscribers.count(transport), { transport });
        // Without a shared store the pool's state lives in this process: there is no store to lose.
        result.observe(storeDegraded, snapshot.store?.degraded === true ? 1 : 0);
        if (snapshot.store !== undefined) result.observe(storeSidecars, snapshot.store.sidecarsAlive);
      },
      [inFlight, state, utilization, balance, waiting, streams, storeDegraded, storeSidecars, limit, remaining],
    );
  }
}

/**
 * Failed authentications by listener (grpc, admin, proxy), reason
 * (missing_token, invalid_token) and response (immediate, delayed, refused):
 * read from the one tally at scrape time. Labels never carry a token or an address.
 */
function observeAuthFailures(meter: Meter, failures: AuthFailures): void {
  const counter = meter.createObservableCounter("keypool_auth_failures", {
    description: "Failed client authentications by listener, reason and response: answered at once, delayed, or refused past the source's budget",
    unit: "{failure}",
  });
  counter.addCallback((result) => {
    for (const c of failures.totals()) result.observe(c.count, { listener: c.listener, reason: c.reason, response: c.response });
  });
}
