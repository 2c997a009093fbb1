import type { handleServerStreamingCall, ServerWritableStream } from "@grpc/grpc-js";
import { durationToMs } from "../protocol/duration.js";
import type { StreamStatsRequest, StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { mayUse } from "../auth/client-identity.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { Logger } from "../telemetry/logger.js";
import { scopedSnapshot } from "../telemetry/scoped-snapshot.js";
import { parseStatsRequest } from "../telemetry/stats-request.js";
import { openStatsStream } from "../telemetry/stats-stream.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { callerOf } from "./caller.js";
import { snapshotToProto } from "./stats-messages.js";
import { toServiceError } from "./to-status.js";

export interface StreamStatsDeps {
  readonly pool: LeasePool;
  readonly log: Logger;
  readonly subscribers: StatsSubscribers;
}

type StatsCall = ServerWritableStream<StreamStatsRequest, StreamStatsResponse>;

/**
 * StreamStats: a full snapshot at once, then one per interval, latest-wins
 * for a slow reader (see openStatsStream). Whichever way the call ends
 * (client cancel, our end, a transport failure), one cleanup runs.
 */
export function streamStatsHandler({ pool, log, subscribers }: StreamStatsDeps): handleServerStreamingCall<StreamStatsRequest, StreamStatsResponse> {
  return (call: StatsCall) => {
    const client = callerOf(call);
    let request;
    try {
      // Providers outside the caller's scope are as unknown to it as unconfigured ones.
      const visible = pool.providerNames().filter((p) => mayUse(client, p));
      request = parseStatsRequest(call.request.providers, durationToMs(call.request.interval), visible);
    } catch (err) {
      call.emit("error", toServiceError(err, log));
      return;
    }
    const { providers, intervalMs } = request;
    const stream = openStatsStream<StreamStatsResponse>({
      subscribers,
      transport: "grpc",
      intervalMs,
      build: () => snapshotToProto(scopedSnapshot(pool.snapshot(providers), client)),
      send: (message, flushed) => {
        call.write(message, flushed);
      },
      end: () => call.end(),
      fail: (err) => call.emit("error", toServiceError(err, log)),
      stream: call,
      endedBy: ["cancelled", "finish", "close"],
    });
    if (stream === undefined) {
      call.emit("error", toServiceError(subscribers.refusal(), log));
      return;
    }
    stream.start();
  };
}
