import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import { durationToMs } from "../protocol/duration.js";
import type { KeyPoolServiceServer } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { systemClock, type Clock } from "../clock/clock.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { ConfigReloader } from "../reload/config-reloader.js";
import type { Logger } from "../telemetry/logger.js";
import { poolDirectory } from "../telemetry/history/pool-history-feed.js";
import type { StatsHistory } from "../telemetry/history/stats-history.js";
import { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { callerOf } from "./caller.js";
import { keyStateToProto, outcomeToProto } from "../protocol/proto-names.js";
import { getStatsHistory } from "./get-stats-history.js";
import { leaseToProto, reportedOutcome } from "./messages.js";
import { checkProviderAnswer } from "./provider-answer.js";
import { logRateLimits } from "../telemetry/log-rate-limits.js";
import { setRpcAttributes } from "./rpc-span.js";
import { setKeyState } from "./set-key-state.js";
import { streamStatsHandler } from "./stream-stats.js";
import { toServiceError } from "./to-status.js";

/** Time kept back from a caller's deadline so that a wait ends with an answer, not DEADLINE_EXCEEDED. */
const DEADLINE_RESERVE_MS = 25;

export interface ServiceDeps {
  readonly pool: LeasePool;
  readonly log: Logger;
  readonly reloader: ConfigReloader;
  readonly statsSubscribers?: StatsSubscribers | undefined;
  readonly history: StatsHistory;
  readonly clock?: Clock | undefined;
}

/** Wraps a unary handler so that every thrown or rejected value goes through the one status mapping. */
function unary<Req, Res>(log: Logger, fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    Promise.resolve()
      .then(() => fn(call))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err, log)),
      );
  };
}

export function keyPoolService({ pool, log, reloader, statsSubscribers, history, clock = systemClock }: ServiceDeps): KeyPoolServiceServer {
  const subscribers = statsSubscribers ?? new StatsSubscribers();
  return {
    acquireKey: unary(log, async (call) => {
      const req = call.request;
      setRpcAttributes(call, { "keypool.provider": req.provider.trim().toLowerCase().slice(0, 64) });
      let maxWaitMs = durationToMs(req.maxWait) ?? 0;
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      if (Number.isFinite(deadlineMs) && maxWaitMs > 0) {
        maxWaitMs = Math.max(0, Math.min(maxWaitMs, deadlineMs - Date.now() - DEADLINE_RESERVE_MS));
      }
      const abort = new AbortController();
      const onCancel = () => abort.abort();
      call.once("cancelled", onCancel);
      try {
        const lease = await pool.acquire({
          provider: req.provider,
          model: req.model,
          estimatedTokens: req.estimatedTokens,
          maxWaitMs,
          leaseTtlMs: durationToMs(req.leaseTtl),
          clientId: req.clientId,
          owner: callerOf(call).name,
          signal: abort.signal,
        });
        const outcome = lease.waitedMs > 0 ? "waited" : "granted";
        setRpcAttributes(call, { "keypool.key_id": lease.keyId, "keypool.wait_ms": lease.waitedMs, "keypool.outcome": outcome });
        if (call.cancelled) {
          // The caller left before it could receive the key: end the lease now rather than at its TTL.
          await pool.report(lease.leaseId, { outcome: "cancelled" }, lease.owner);
          throw new KeypoolError("CANCELLED", "the caller cancelled the acquisition");
        }
        return leaseToProto(lease);
      } finally {
        call.removeListener("cancelled", onCancel);
      }
    }),

    reportUsage: unary(log, async (call) => {
      const req = call.request;
      checkProviderAnswer(req);
      const result = await pool.report(req.leaseId, {
        outcome: reportedOutcome(req.outcome),
        httpStatus: req.httpStatus,
        promptTokens: req.promptTokens,
        completionTokens: req.completionTokens,
        latencyMs: durationToMs(req.latency),
        retryAfterMs: durationToMs(req.retryAfter),
        errorMessage: req.errorMessage,
        answer: { headers: req.responseHeaders, errorBody: req.errorBody },
      }, callerOf(call).name, callerOf(call));
      logRateLimits(log, result, result.rateLimits);
      setRpcAttributes(call, {
        "keypool.provider": result.provider,
        "keypool.key_id": result.keyId,
        "keypool.already_reported": result.alreadyReported,
        ...(result.outcome === undefined ? {} : { "keypool.outcome": result.outcome }),
      });
      return {
        keyState: keyStateToProto(result.keyState),
        alreadyReported: result.alreadyReported,
        keyId: result.keyId,
        outcome: outcomeToProto(result.outcome),
      };
    }),

    streamStats: streamStatsHandler({ pool, log, subscribers }),

    getStatsHistory: unary(log, getStatsHistory({ history, directory: poolDirectory(pool) })),

    setKeyState: unary(log, setKeyState(pool)),

    reloadConfig: unary(log, async (call) => {
      const json = call.request.configJson;
      const diff = json.trim() === "" ? await reloader.reread("rpc") : await reloader.applyDocument(json, "rpc");
      return {
        configGeneration: diff.generation,
        addedKeyIds: [...diff.added],
        removedKeyIds: [...diff.removed],
        updatedKeyIds: [...diff.updated],
        unchangedKeyIds: [...diff.unchanged],
        warnings: [...diff.warnings],
      };
    }),
  };
}
