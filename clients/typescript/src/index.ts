/**
 * keypool client: lease LLM provider keys from the keypool sidecar, report
 * how calls went, and plug the pool into the official SDKs.
 */
export { DEFAULT_TARGET, KeyPoolClient, type KeyPoolClientOptions, type ReportResult } from "./key-pool-client.js";
export { KeyPoolError, KeyPoolUnavailableError } from "./errors.js";
export { Lease, type FallbackKey } from "./lease.js";
export type { AcquireOptions, LeaseBroker, UsageReport } from "./lease-broker.js";
export { withKey, withKeyStream, type WithKeyOptions } from "./with-key.js";
export { poolFetch, type PoolFetchOptions } from "./pool-fetch.js";
export type { StatsOptions } from "./stats-stream.js";
export type { KeyStateName } from "./proto-names.js";
export type { CallOutcome, OutcomeName } from "./outcome-name.js";
export type { TokenUsage } from "./token-usage.js";
// Pure helpers, shared with anything that sits between a caller and a provider.
export { usageFromBody } from "./usage-from-response.js";
export { SseUsageTracker } from "./sse-usage.js";
export { outcomeFromHttp, parseBody } from "./http-outcome.js";
export { outcomeFromError } from "./error-outcome.js";
export { outcomeFromFetchResponse } from "./fetch-response-outcome.js";
export { retryAfterMsFromBody, retryAfterMsFromHeaders } from "./retry-after.js";
export { headerReader, type HeaderReader } from "./header-reader.js";
export { apiForProvider, applyKey, rewriteUrl, type ProviderApi } from "./provider-api.js";
export { requestFacts, type RequestFacts } from "./request-facts.js";
export type {
  ProviderStats,
  KeyStats,
  ReloadConfigResponse,
  StreamStatsResponse,
} from "./gen/keypool/v1/keypool.js";
