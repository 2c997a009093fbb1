import { durationFromMs, timestampFromMs } from "../protocol/duration.js";
import {
  StatsHistoryMarkerKind,
  type GetStatsHistoryResponse,
  type StatsHistoryBucket,
  type StatsHistoryMarker,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { HistoryBucket, HistoryMarker, HistoryMarkerKind, HistoryResult } from "../telemetry/history/history-types.js";
import { keyStateToProto } from "../protocol/proto-names.js";

const markerKinds: Readonly<Record<HistoryMarkerKind, StatsHistoryMarkerKind>> = {
  start: StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_START,
  reload: StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_RELOAD,
  key_state: StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_KEY_STATE,
};

/** A statistics history as the GetStatsHistory response. */
export function historyToProto(h: HistoryResult): GetStatsHistoryResponse {
  return {
    provider: h.provider,
    keyId: h.keyId,
    maskedKey: h.maskedKey,
    model: h.model,
    resolution: durationFromMs(h.resolutionMs),
    rangeStart: timestampFromMs(h.rangeStart),
    rangeEnd: timestampFromMs(h.rangeEnd),
    recordingSince: timestampFromMs(h.recordingSince),
    buckets: h.buckets.map(bucketToProto),
    markers: h.markers.map(markerToProto),
    models: [...h.models],
    sidecars: [...h.sidecars],
    fleetUnavailable: h.fleetUnavailable,
  };
}

function bucketToProto(b: HistoryBucket): StatsHistoryBucket {
  const ms = (v: number | undefined) => (v === undefined ? undefined : durationFromMs(v));
  return {
    start: timestampFromMs(b.start),
    recorded: b.recorded,
    requests: b.requests,
    successes: b.successes,
    rateLimited: b.rateLimited,
    errors: b.errors,
    errorsByOutcome: { ...b.errorsByOutcome },
    promptTokens: b.promptTokens,
    completionTokens: b.completionTokens,
    waits: b.waits,
    waitTime: durationFromMs(b.waitMs),
    refusals: b.refusals,
    latencySamples: b.latencySamples,
    latencyP50: ms(b.latencyP50Ms),
    latencyP95: ms(b.latencyP95Ms),
    latencyP99: ms(b.latencyP99Ms),
  };
}

function markerToProto(m: HistoryMarker): StatsHistoryMarker {
  return {
    at: timestampFromMs(m.at),
    kind: markerKinds[m.kind],
    keyId: m.keyId,
    keyState: m.keyState === undefined ? 0 : keyStateToProto(m.keyState),
    configGeneration: m.configGeneration,
    detail: m.detail,
    changedBy: m.changedBy,
    sidecar: m.sidecar,
  };
}
