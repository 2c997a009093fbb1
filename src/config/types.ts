/**
 * The validated, immutable configuration the pool runs on. Built only by the
 * config loader (see load-config.ts); the pool never sees raw input.
 */

/** A limit over a sliding window: at most `limit` requests or tokens in any `perMs` interval. */
export interface WindowLimit {
  readonly kind: "requests" | "tokens";
  readonly limit: number;
  readonly perMs: number;
}

/** Limits that apply to one model (or to a whole scope): undefined is unlimited. */
export interface LimitSet {
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly rpd: number | undefined;
}

/**
 * A quota several keys share, as the provider counts it (a Gemini project,
 * an OpenAI or Anthropic organization): a lease counts against its key and
 * its key's scope, so two keys of one scope add no capacity.
 */
export interface ScopeConfig extends LimitSet {
  readonly name: string;
  /** Further limits per model, on top of the scope's general ones. */
  readonly modelLimits: Readonly<Record<string, LimitSet>>;
}

export interface KeyConfig {
  /** Stable id: explicit, or a short hash of the secret. Safe to show. */
  readonly id: string;
  /** The provider secret. Never logged, never in an error, label or stat. */
  readonly secret: string;
  /** Masked form of the secret showing at most its last four characters. */
  readonly masked: string;
  readonly label: string;
  readonly provider: string;
  /** Relative share of traffic; 2 takes twice the requests of 1. */
  readonly weight: number;
  /** Requests per minute; undefined is unlimited. */
  readonly rpm: number | undefined;
  /** Tokens per minute; undefined is unlimited. */
  readonly tpm: number | undefined;
  /** Requests per day; undefined is unlimited. */
  readonly rpd: number | undefined;
  /** Open leases at once; undefined is unlimited. */
  readonly maxConcurrent: number | undefined;
  /** Further windows, e.g. 10 requests per 10 s. */
  readonly windows: readonly WindowLimit[];
  /** Models this key may serve; undefined serves every model. */
  readonly models: readonly string[] | undefined;
  readonly baseUrl: string | undefined;
  readonly enabled: boolean;
  /**
   * After a 401/403 disables the key, the sidecar itself rechecks it with the
   * provider's model listing once the recheck is due; callers never get it
   * as a probe. Absent: false, a caller's lease is the probe.
   */
  readonly probe?: boolean;
  /** The scope whose quota this key shares; absent: the key is its own scope. */
  readonly scope?: string;
  /** Limits per model on top of the key's general ones; a model without an entry uses the general ones alone. */
  readonly modelLimits?: Readonly<Record<string, LimitSet>>;
}

export interface ProviderConfig {
  readonly name: string;
  readonly keys: readonly KeyConfig[];
  readonly baseUrl: string | undefined;
  /** Quotas shared by keys, by name; absent or empty: every key is its own scope. */
  readonly scopes?: Readonly<Record<string, ScopeConfig>>;
}

export interface PoolSettings {
  /** Lease lifetime when the request names none. */
  readonly leaseTtlMs: number;
  /** Longest lease a request may ask for. */
  readonly maxLeaseTtlMs: number;
  /** Longest a request may wait for a key, whatever it asks. */
  readonly maxWaitMs: number;
  /** Extra time a request stays counted in a window, as a fraction of the window... */
  readonly windowMarginRatio: number;
  /** ...and at most this long. */
  readonly windowMarginMaxMs: number;
  /** First cooldown after a 429 without Retry-After; doubles per consecutive 429. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Cooldown after a quota-exhausted report without Retry-After. */
  readonly quotaCooldownMs: number;
  /** After a 401/403 the key is disabled; after this long one probe lease is allowed. */
  readonly unauthorizedRecheckMs: number;
  /** Longest cooldown one 429 report may ask for; a longer retry_after is clamped to it. */
  readonly maxRateLimitCooldownMs: number;
  /** Longest exhaustion one quota report may ask for; a longer retry_after is clamped to it. */
  readonly maxQuotaCooldownMs: number;
  /**
   * Distinct clients whose UNAUTHORIZED reports within `unauthorizedWindowMs`
   * disable a key; undefined: 1 with at most one configured client, 2 with several.
   */
  readonly unauthorizedQuorum: number | undefined;
  readonly unauthorizedWindowMs: number;
  /** How long a key reported UNAUTHORIZED is held back while it awaits confirmation. */
  readonly unauthorizedHoldMs: number;
  /** Keys one client may put out of service (cooldown, exhaustion, hold, disable) per minute; admins are not limited. */
  readonly maxKeyActionsPerClient: number;
  /** Consecutive server errors or timeouts that cool a key down... */
  readonly serverErrorThreshold: number;
  /** ...for this long. */
  readonly serverErrorCooldownMs: number;
  /** Open leases one client may hold at once; bounds what a runaway or hostile client can pin. */
  readonly maxOpenLeasesPerClient: number;
  /** Acquisition attempts per second one client may make; Infinity is unlimited. */
  readonly acquireRatePerClient: number;
  /** Acquisitions that may wait at once for one provider; bounds memory under a flood of waiters. */
  readonly maxWaitingPerProvider: number;
  /**
   * A key (or scope) the provider says is out of money (a spend limit, a 402)
   * is held this long, then given one more try: nothing says when it is paid.
   */
  readonly spendRecheckMs: number;
  /** Where the memory store keeps its state across restarts; read at start only. */
  readonly stateFile: string | undefined;
  /** Time between saves of the state file. */
  readonly stateIntervalMs: number;
  /** Where the pool's state lives: "memory", or a redis:// URL (may hold a password: never print it). Read at start only. */
  readonly store: string;
  /** Prefix of every Redis key of this pool. */
  readonly storePrefix: string;
  /**
   * While the shared store is unreachable: "local" serves alone with 1/N of
   * every limit (N the sidecars last seen alive), "closed" refuses every
   * acquisition with UNAVAILABLE.
   */
  readonly storeFailure: "local" | "closed";
}

export interface PoolConfig {
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  readonly settings: PoolSettings;
  /** Non-fatal findings (duplicate secrets, ...), safe to log. */
  readonly warnings: readonly string[];
}

export const defaultSettings: PoolSettings = Object.freeze({
  leaseTtlMs: 10 * 60_000,
  maxLeaseTtlMs: 60 * 60_000,
  maxWaitMs: 60_000,
  windowMarginRatio: 0.05,
  windowMarginMaxMs: 1_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  quotaCooldownMs: 60 * 60_000,
  unauthorizedRecheckMs: 30 * 60_000,
  maxRateLimitCooldownMs: 60 * 60_000,
  maxQuotaCooldownMs: 24 * 60 * 60_000,
  unauthorizedQuorum: undefined,
  unauthorizedWindowMs: 10 * 60_000,
  unauthorizedHoldMs: 30_000,
  maxKeyActionsPerClient: 10,
  serverErrorThreshold: 5,
  serverErrorCooldownMs: 30_000,
  maxOpenLeasesPerClient: 10_000,
  acquireRatePerClient: Infinity,
  maxWaitingPerProvider: 1_000,
  spendRecheckMs: 60 * 60_000,
  stateFile: undefined,
  stateIntervalMs: 5_000,
  store: "memory",
  storePrefix: "keypool:",
  storeFailure: "local",
});
