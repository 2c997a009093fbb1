/**
 * Public types of the LLM provider simulator: a local HTTP server that speaks
 * the OpenAI, Azure OpenAI, Gemini and Anthropic wire formats and enforces
 * per-key limits the way the providers do, so keypool can be tested, demoed
 * and benchmarked without the internet.
 */

/**
 * How `rpd` is counted: over a sliding day of 1440 windows (default), or per
 * calendar day ending at midnight in Los Angeles, as Gemini does.
 */
export type DayReset = "sliding" | "midnight-pacific";

/** One set of limits. Absent means unlimited. */
export interface SimulatorLimits {
  /** Requests in any `windowMs` interval. */
  rpm?: number;
  /** Prompt + completion tokens in any `windowMs` interval. */
  tpm?: number;
  /** Requests in any `1440 * windowMs` interval (a day, scaled like the minute). */
  rpd?: number;
}

/** Limits of a key or a project: general ones, and per model on top of them. */
export interface SimulatorKeyLimits extends SimulatorLimits {
  /** A request for one of these models also counts against that model's own limits. */
  models?: Record<string, SimulatorLimits>;
}

/** Other traffic on a key, which keypool cannot see: it fills the key's (and its project's) windows. */
export interface SimulatorBackgroundLoad {
  /** Requests per `windowMs`, arriving evenly from the key's first request after the load is set. */
  rpm: number;
  /** Tokens each of them uses, default 0. */
  tokensPerRequest?: number;
  /** The model they ask for, so that its per-model limits count them too. */
  model?: string;
}

/** A key as given to the simulator: its limits and an optional label that is safe to print. */
export interface SimulatorKeyOptions extends SimulatorKeyLimits {
  /** Name used in `stats().byLabel`; defaults to `key-1`, `key-2`, ... in the order keys were added. */
  label?: string;
  /** A project of `SimulatorOptions.projects`: its limits are shared by every key in it. */
  project?: string;
  background?: SimulatorBackgroundLoad;
}

export interface SimulatorLatency {
  /** Added to every response, errors included. Default 0. */
  baseMs?: number;
  /** A uniformly drawn extra in [0, jitterMs), from a seeded generator. Default 0. */
  jitterMs?: number;
  /** Before the first token of a successful completion. Default 0. */
  timeToFirstTokenMs?: number;
  /** Between tokens of a successful completion (streamed or not). Default 0. */
  perTokenMs?: number;
  /** Seed of the jitter generator, so runs repeat. Default 1. */
  seed?: number;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Accepted secrets and their limits. */
  keys: Record<string, SimulatorKeyOptions>;
  /** Limits shared by the keys that name the project, as Gemini counts per project and OpenAI per organization. */
  projects?: Record<string, SimulatorKeyLimits>;
  /** Length of the "minute" window, default 60000; rpm and tpm apply per windowMs. */
  windowMs?: number;
  /** Default "sliding". */
  dayReset?: DayReset;
  /**
   * The RetryInfo.retryDelay Gemini gives on a per-day quota. Google sends a
   * short delay there although the quota lasts until midnight; set this to
   * reproduce it. Default: the real wait.
   */
  geminiDailyRetryDelayMs?: number;
  latency?: SimulatorLatency;
  /** Tokens in each completion when the request asks for no fewer, default 16. */
  completionTokens?: number;
  /** Clock for the limit windows and timestamps, default Date.now. Delays always use real timers. */
  now?: () => number;
}

/** Per-key counters. */
export interface SimulatorKeyStats {
  label: string;
  /** Every request that presented this key, whatever its answer. */
  requests: number;
  /** Answered 2xx. */
  successes: number;
  /** Answered 429, natural or injected. */
  rateLimited: number;
  /** Answered as an invalid key (401, or Gemini's 400 API_KEY_INVALID) or 403, natural or injected. */
  unauthorized: number;
  /** Answered with a failure queued by `failNext`. */
  injected: number;
  /** Answered 400 for a malformed or invalid request. */
  badRequests: number;
  /** Prompt tokens of accepted requests. */
  promptTokens: number;
  /** Completion tokens of accepted requests (as billed, even when a stream was cut). */
  completionTokens: number;
  /** Accepted requests whose client went away before the response ended. */
  clientDisconnects: number;
  /** Accepted requests whose response has not ended yet. */
  inFlight: number;
  /** Most accepted requests open at once. */
  peakInFlight: number;
  /** Most accepted requests seen in any `windowMs` interval. */
  peakRequestsPerWindow: number;
  /** Most tokens seen in any `windowMs` interval. */
  peakTokensPerWindow: number;
  /** Requests of the background load that found room (they are in no other counter). */
  backgroundRequests: number;
}

export interface SimulatorTotals {
  requests: number;
  successes: number;
  rateLimited: number;
  unauthorized: number;
  injected: number;
  badRequests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface SimulatorStats {
  /** Per key, by secret. */
  keys: Record<string, SimulatorKeyStats>;
  /** The same objects, by label (safe to print). */
  byLabel: Record<string, SimulatorKeyStats>;
  /** Sums over known keys. */
  totals: SimulatorTotals;
  /** Requests whose credential was missing or matched no key. */
  unknownKeyRequests: number;
  /** Of those, the ones that carried no credential at all. */
  missingCredentialRequests: number;
  /** Requests to a path the simulator does not serve. */
  notFoundRequests: number;
  /** Every credential presented, known or not. */
  seenCredentials: Set<string>;
}

export interface FailNextOptions {
  /** Sent as Retry-After (and the provider's equivalent) when the status is 429 or 5xx. */
  retryAfterSeconds?: number;
  /** How many of the key's next requests fail; default 1. */
  count?: number;
}

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** Stops listening and ends every open connection, streams included. */
  close(): Promise<void>;
  /** The key is answered as invalid from now on. */
  revoke(secret: string): void;
  /** Undoes `revoke`. */
  restore(secret: string): void;
  /** Adds an accepted key at run time. */
  addKey(secret: string, options?: SimulatorKeyOptions): void;
  /** Replaces a key's limits; requests already counted stay counted. */
  setLimits(secret: string, limits: SimulatorKeyLimits): void;
  /** Starts, changes or (with undefined) stops other traffic on the key. */
  setBackgroundLoad(secret: string, load: SimulatorBackgroundLoad | undefined): void;
  /** The key's next `count` requests (after authentication) fail with `status`. */
  failNext(secret: string, status: number, opts?: FailNextOptions): void;
  /** A snapshot: later traffic does not change it. */
  stats(): SimulatorStats;
  /** Counters of one key, by secret or label. */
  keyStats(secretOrLabel: string): SimulatorKeyStats | undefined;
  /** Clears counters, windows, pending injected failures and seen credentials; keys, limits and revocations stay. */
  reset(): void;
}
