import type { handleServerStreamingCall, ServerWritableStream } from "@grpc/grpc-js";
import { durationToMs } from "../protocol/duration.js";
import type { StreamStatsRequest, StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { mayUse } from "../auth/client-identity.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { Logger } from "../telemetry/logger.js";
import { SnapshotFeed } from "../telemetry/snapshot-feed.js";
import { scopedSnapshot } from "../telemetry/scoped-snapshot.js";
import { parseStatsRequest } from "../telemetry/stats-request.js";
import type { StatsSubscribers, StatsSubscription } from "../telemetry/stats-subscribers.js";
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
 * StreamStats: a full snapshot at once, then one per interval, paced by a
 * SnapshotFeed so that a slow reader gets the latest snapshot instead of a
 * queue. Cancellation, an error or shutdown run the same single cleanup,
 * which stops the timer and removes every listener the stream added.
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
    let done = false;
    const feed = new SnapshotFeed<StreamStatsResponse>({
      intervalMs,
      build: () => snapshotToProto(scopedSnapshot(pool.snapshot(providers), client)),
      send: (message, flushed) => {
        call.write(message, flushed);
      },
      onError: (err) => {
        cleanup();
        call.emit("error", toServiceError(err, log));
      },
    });
    const subscription: StatsSubscription = {
      transport: "grpc",
      intervalMs,
      sent: () => feed.sent,
      skipped: () => feed.skipped,
      end: () => {
        if (done) return;
        cleanup();
        call.end();
      },
    };
    const cleanup = () => {
      if (done) return;
      done = true;
      feed.stop();
      subscribers.delete(subscription);
      call.removeListener("cancelled", cleanup);
      call.removeListener("finish", cleanup);
      call.removeListener("close", cleanup);
    };
    if (!subscribers.add(subscription)) {
      done = true;
      call.emit("error", toServiceError(subscribers.refusal(), log));
      return;
    }
    // Whichever way the call ends (client cancel, our end, a transport failure), the one cleanup runs.
    call.on("cancelled", cleanup);
    call.on("finish", cleanup);
    call.on("close", cleanup);
    feed.start();
  };
}
