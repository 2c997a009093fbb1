import type { HistoryBucket, HistoryMarker, HistoryResult } from "./history-types.js";

/**
 * The JSON form of a statistics history (GET /v1/stats/history), in the
 * manner of the snapshot's: the proto's field names, times as RFC 3339
 * strings, durations in milliseconds (`_ms`), null for "none".
 */
export function historyToJson(h: HistoryResult): Record<string, unknown> {
  return {
    provider: h.provider,
    key_id: h.keyId,
    masked_key: h.maskedKey,
    model: h.model,
    resolution_ms: h.resolutionMs,
    range_start: iso(h.rangeStart),
    range_end: iso(h.rangeEnd),
    recording_since: iso(h.recordingSince),
    buckets: h.buckets.map(bucketJson),
    markers: h.markers.map(markerJson),
    models: [...h.models],
    sidecars: [...h.sidecars],
    fleet_unavailable: h.fleetUnavailable === "" ? null : h.fleetUnavailable,
  };
}

function bucketJson(b: HistoryBucket): Record<string, unknown> {
  return {
    start: iso(b.start),
    recorded: b.recorded,
    requests: b.requests,
    successes: b.successes,
    rate_limited: b.rateLimited,
    errors: b.errors,
    errors_by_outcome: { ...b.errorsByOutcome },
    prompt_tokens: b.promptTokens,
    completion_tokens: b.completionTokens,
    waits: b.waits,
    wait_time_ms: b.waitMs,
    refusals: b.refusals,
    latency_samples: b.latencySamples,
    latency_p50_ms: b.latencyP50Ms ?? null,
    latency_p95_ms: b.latencyP95Ms ?? null,
    latency_p99_ms: b.latencyP99Ms ?? null,
  };
}

function markerJson(m: HistoryMarker): Record<string, unknown> {
  return {
    at: iso(m.at),
    kind: m.kind,
    key_id: m.keyId,
    key_state: m.keyState ?? null,
    config_generation: m.configGeneration,
    detail: m.detail,
    changed_by: m.changedBy,
    sidecar: m.sidecar,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
