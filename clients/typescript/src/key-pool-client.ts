import { credentials as grpcCredentials, Metadata, type ChannelCredentials, type ClientOptions } from "@grpc/grpc-js";
import { durationFromMs } from "../../../src/protocol/duration.js";
import { KeyPoolError, KeyPoolUnavailableError } from "./errors.js";
import {
  KeyPoolServiceClient,
  type AcquireKeyRequest,
  type AcquireKeyResponse,
  type ReloadConfigRequest,
  type ReloadConfigResponse,
  type ReportUsageRequest,
  type ReportUsageResponse,
  type StreamStatsResponse,
} from "./gen/keypool/v1/keypool.js";
import { unaryCall } from "./grpc-call.js";
import { fallbackLease, leaseFromProto, type FallbackKey, type Lease } from "./lease.js";
import type { AcquireOptions, LeaseBroker, UsageReport } from "./lease-broker.js";
import type { OutcomeName } from "../../../src/protocol/outcome.js";
import { poolFetch, type PoolFetchOptions } from "./pool-fetch.js";
import { keyStateFromProto, outcomeFromProto, outcomeToProto, type ReportedKeyState } from "../../../src/protocol/proto-names.js";
import { MAX_ERROR_BODY_BYTES } from "../../../src/provider-http/rate-limits/error-body.js";
import { pickRateLimitHeaders } from "../../../src/provider-http/rate-limits/rate-limit-header-names.js";
import { safeMessage } from "../../../src/provider-http/safe-message.js";
import { statsStream, type StatsOptions } from "./stats-stream.js";
import { withKey, withKeyStream, type WithKeyOptions } from "./with-key.js";

export const DEFAULT_TARGET = "127.0.0.1:50051";

export interface KeyPoolClientOptions {
  /** Channel credentials. Default: insecure, for a sidecar on localhost or a unix socket. */
  readonly credentials?: ChannelCredentials;
  /** grpc-js channel options, merged over the client's defaults. */
  readonly channelOptions?: Partial<ClientOptions>;
  /** Deadline of an acquisition beyond its `maxWaitMs`. Default 2000 ms. */
  readonly acquireTimeoutMs?: number;
  /** Deadline of a report. Default 2000 ms. */
  readonly reportTimeoutMs?: number;
  /** Deadline of a reload. Default 10000 ms. */
  readonly reloadTimeoutMs?: number;
  /** Token sent as `authorization: Bearer` with every call, when the sidecar requires one. */
  readonly token?: string;
  /** Caller name sent with each acquisition, for statistics. */
  readonly clientId?: string;
  /**
   * The key to use when the sidecar is unreachable, for every provider or
   * chosen per provider. Without it the client fails closed: acquisitions
   * throw KeyPoolUnavailableError. A pool that answers "busy" is never bypassed.
   */
  readonly fallback?: FallbackKey | ((provider: string) => FallbackKey | undefined);
  /** Called when a report made by `withKey` or `fetch` cannot be delivered. Default: a process warning. */
  readonly onReportError?: (error: KeyPoolError, lease: Lease) => void;
}

/** What the broker answered to a report. */
export interface ReportResult {
  readonly keyId: string;
  /** The key's state after the report. */
  readonly keyState: ReportedKeyState;
  /** True when the lease had been reported before; nothing changed. */
  readonly alreadyReported: boolean;
  /** The outcome as applied (derived from the HTTP status when none was given). */
  readonly outcome: OutcomeName | undefined;
}

/**
 * Client of the keypool sidecar: lease keys, report how calls went, watch
 * statistics, reload the configuration — plus adapters that make the common
 * case one line (`withKey`, `withKeyStream`, `fetch`).
 *
 * ```ts
 * const pool = new KeyPoolClient("127.0.0.1:50051");
 * const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai") });
 * ```
 */
export class KeyPoolClient implements LeaseBroker {
  readonly target: string;
  private readonly raw: KeyPoolServiceClient;
  private readonly options: KeyPoolClientOptions;
  private readonly pending = new Set<Promise<unknown>>();
  private lastWarningAt = -Infinity;

  constructor(target: string = DEFAULT_TARGET, options: KeyPoolClientOptions = {}) {
    this.target = target;
    this.options = options;
    this.raw = new KeyPoolServiceClient(target, options.credentials ?? grpcCredentials.createInsecure(), {
      // A local sidecar that restarts should be found again within a second or
      // two, not after grpc's default backoff of up to two minutes.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 2_000,
      ...options.channelOptions,
    });
  }

  /**
   * Leases a key of `provider`. Throws KeyPoolError: RESOURCE_EXHAUSTED with
   * `retryAfterMs` when every key is busy past `maxWaitMs`, FAILED_PRECONDITION
   * when no key can ever serve; KeyPoolUnavailableError when the sidecar cannot
   * be reached — unless a fallback key is configured, which is then returned.
   */
  async acquire(provider: string, options: AcquireOptions = {}): Promise<Lease> {
    const maxWaitMs = options.maxWaitMs ?? 0;
    const request: AcquireKeyRequest = {
      provider,
      model: options.model ?? "",
      estimatedTokens: Math.max(0, Math.round(options.estimatedTokens ?? 0)),
      maxWait: maxWaitMs > 0 ? durationFromMs(maxWaitMs) : undefined,
      leaseTtl: options.leaseTtlMs === undefined ? undefined : durationFromMs(options.leaseTtlMs),
      clientId: this.options.clientId ?? "",
    };
    try {
      const res = await unaryCall<AcquireKeyRequest, AcquireKeyResponse>(
        this.raw.acquireKey.bind(this.raw),
        request,
        maxWaitMs + (this.options.acquireTimeoutMs ?? 2_000),
        { method: "AcquireKey", target: this.target },
        this.metadata(),
        options.signal,
      );
      return leaseFromProto(res);
    } catch (err) {
      const fallback = err instanceof KeyPoolUnavailableError ? this.fallbackFor(provider) : undefined;
      if (fallback !== undefined) return fallbackLease(provider, fallback);
      throw err;
    }
  }

  /**
   * Ends a lease with the outcome of the provider call. Resolves to undefined
   * for a fallback lease, which the sidecar never saw. Throws KeyPoolError.
   */
  async report(lease: Lease, report: UsageReport): Promise<ReportResult | undefined> {
    if (lease.fallback) return undefined;
    const request: ReportUsageRequest = {
      leaseId: lease.leaseId,
      outcome: outcomeToProto(report.outcome),
      httpStatus: report.httpStatus ?? 0,
      promptTokens: Math.max(0, Math.round(report.promptTokens ?? 0)),
      completionTokens: Math.max(0, Math.round(report.completionTokens ?? 0)),
      latency: report.latencyMs === undefined ? undefined : durationFromMs(Math.max(0, report.latencyMs)),
      retryAfter: report.retryAfterMs === undefined ? undefined : durationFromMs(Math.max(0, report.retryAfterMs)),
      errorMessage: report.errorMessage === undefined ? "" : safeMessage(report.errorMessage, [lease.apiKey]),
      responseHeaders: report.responseHeaders === undefined ? {} : pickRateLimitHeaders(report.responseHeaders),
      errorBody: report.errorBody === undefined ? Buffer.alloc(0) : Buffer.from(report.errorBody.subarray(0, MAX_ERROR_BODY_BYTES)),
    };
    const call = unaryCall<ReportUsageRequest, ReportUsageResponse>(
      this.raw.reportUsage.bind(this.raw),
      request,
      this.options.reportTimeoutMs ?? 2_000,
      { method: "ReportUsage", target: this.target },
      this.metadata(),
    );
    this.track(call);
    const res = await call;
    return {
      keyId: res.keyId,
      keyState: keyStateFromProto(res.keyState) ?? "unspecified",
      alreadyReported: res.alreadyReported,
      outcome: outcomeFromProto(res.outcome),
    };
  }

  /** Reports without throwing: a failure goes to `onReportError`. Used by the adapters. */
  async finish(lease: Lease, report: UsageReport): Promise<void> {
    try {
      await this.report(lease, report);
    } catch (err) {
      const error = err instanceof KeyPoolError ? err : new KeyPoolError("UNKNOWN", `keypool report failed: ${String(err)}`);
      if (this.options.onReportError !== undefined) this.options.onReportError(error, lease);
      else this.warn(error, lease);
    }
  }

  /** Re-reads the sidecar's configuration sources, or applies `configJson`. */
  reload(configJson = ""): Promise<ReloadConfigResponse> {
    return unaryCall<ReloadConfigRequest, ReloadConfigResponse>(
      this.raw.reloadConfig.bind(this.raw),
      { configJson },
      this.options.reloadTimeoutMs ?? 10_000,
      { method: "ReloadConfig", target: this.target },
      this.metadata(),
    );
  }

  /** Statistics snapshots: one at once, then one every interval, until the loop ends. */
  stats(options: StatsOptions = {}): AsyncGenerator<StreamStatsResponse, void, undefined> {
    return statsStream(this.raw, this.target, this.metadata(), options);
  }

  /** See the `withKey` function: lease, call, report exactly once, return or rethrow. */
  withKey<T>(provider: string, fn: (lease: Lease) => T | Promise<T>, options?: WithKeyOptions<T>): Promise<T> {
    return withKey(this, provider, fn, options);
  }

  /** See the `withKeyStream` function: `withKey` for an async iterable result. */
  withKeyStream<T>(
    provider: string,
    fn: (lease: Lease) => AsyncIterable<T> | Promise<AsyncIterable<T>>,
    options?: AcquireOptions,
  ): AsyncGenerator<T, void, undefined> {
    return withKeyStream(this, provider, fn, options);
  }

  /** A fetch that leases, places the key, sends and reports per request; see `poolFetch`. */
  fetch(provider: string, options?: PoolFetchOptions): typeof globalThis.fetch {
    return poolFetch(this, provider, options);
  }

  /** Waits for reports still in flight (bounded by their deadline), then closes the channel. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.raw.close();
  }

  /** Per call: never wait for a ready channel (fail fast when the sidecar is down); the token if any. */
  private metadata(): Metadata {
    const metadata = new Metadata({ waitForReady: false });
    if (this.options.token !== undefined) metadata.set("authorization", `Bearer ${this.options.token}`);
    return metadata;
  }

  private fallbackFor(provider: string): FallbackKey | undefined {
    const fallback = this.options.fallback;
    return typeof fallback === "function" ? fallback(provider) : fallback;
  }

  private track(call: Promise<unknown>): void {
    this.pending.add(call);
    const done = () => this.pending.delete(call);
    call.then(done, done);
  }

  /** One warning per ten seconds at most: a sidecar that is down must not flood the log. */
  private warn(error: KeyPoolError, lease: Lease): void {
    const now = Date.now();
    if (now - this.lastWarningAt < 10_000) return;
    this.lastWarningAt = now;
    process.emitWarning(`keypool: the report for key ${lease.keyId} was not delivered: ${error.message}`, { code: "KEYPOOL_REPORT_FAILED" });
  }
}
