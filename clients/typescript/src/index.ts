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
export type { ReportedKeyState as KeyStateName } from "../../../src/protocol/proto-names.js";
export type { CallOutcome, OutcomeName } from "../../../src/protocol/outcome.js";
export type { TokenUsage } from "../../../src/provider-http/token-usage.js";
// Pure helpers, shared with anything that sits between a caller and a provider.
export { usageFromBody } from "../../../src/provider-http/usage-from-response.js";
export { SseUsageTracker } from "../../../src/provider-http/sse-usage.js";
export { outcomeFromHttp, parseBody } from "../../../src/provider-http/http-outcome.js";
export { outcomeFromError } from "../../../src/provider-http/error-outcome.js";
export { outcomeFromFetchResponse } from "../../../src/provider-http/fetch-response-outcome.js";
export { retryAfterMsFromBody, retryAfterMsFromHeaders } from "../../../src/provider-http/retry-after.js";
export { headerReader, type HeaderReader } from "../../../src/provider-http/header-reader.js";
export { apiForProvider, applyKey, rewriteUrl, type ProviderApi } from "../../../src/provider-http/provider-api.js";
export { requestFacts, type RequestFacts } from "../../../src/provider-http/request-facts.js";
export type {
  ProviderStats,
  KeyStats,
  ReloadConfigResponse,
  StreamStatsResponse,
} from "./gen/keypool/v1/keypool.js";
