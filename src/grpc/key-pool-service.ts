import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import { durationToMs } from "../protocol/duration.js";
import type {
  AcquireKeyRequest,
  AcquireKeyResponse,
  KeyPoolServiceServer,
  ReportUsageResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { systemClock, type Clock } from "../clock/clock.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { AcquireRequest, Lease, ReportResult } from "../pool/types.js";
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
import { isTraced, setRpcAttributes } from "./rpc-span.js";
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

/**
 * Wraps a unary handler so that every thrown or rejected value goes through
 * the one status mapping. The handler runs at once and a synchronous answer
 * is sent at once: no promise is made that the handler did not make.
 */
function unary<Req, Res>(log: Logger, fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let res: Promise<Res> | Res;
    try {
      res = fn(call);
    } catch (err) {
      callback(toServiceError(err, log));
      return;
    }
    if (!(res instanceof Promise)) {
      callback(null, res);
      return;
    }
    res.then(
      (r) => callback(null, r),
      (err: unknown) => callback(toServiceError(err, log)),
    );
  };
}

/**
 * The answer to a granted acquisition, or, when the caller left meanwhile,
 * the lease ended at once (rather than at its TTL) and CANCELLED.
 */
function granted(pool: LeasePool, call: ServerUnaryCall<AcquireKeyRequest, AcquireKeyResponse>, lease: Lease): AcquireKeyResponse | Promise<AcquireKeyResponse> {
  if (isTraced(call)) {
    const outcome = lease.waitedMs > 0 ? "waited" : "granted";
    setRpcAttributes(call, { "keypool.key_id": lease.keyId, "keypool.wait_ms": lease.waitedMs, "keypool.outcome": outcome });
  }
  if (!call.cancelled) return leaseToProto(lease);
  return pool.report(lease.leaseId, { outcome: "cancelled" }, lease.owner).then(() => {
    throw new KeypoolError("CANCELLED", "the caller cancelled the acquisition");
  });
}

/**
 * An acquisition that may wait: the wait ends early when the caller cancels.
 * The abort signal is made only when the pool asks for it, that is when the
 * acquisition really waits: most are granted or refused at once, and a
 * controller and a listener per call were a visible share of a refusal
 * flood's cost.
 */
async function acquireWaiting(
  pool: LeasePool,
  call: ServerUnaryCall<AcquireKeyRequest, AcquireKeyResponse>,
  request: AcquireRequest,
): Promise<AcquireKeyResponse> {
  let abort: AbortController | undefined;
  const onCancel = () => abort?.abort();
  const waiting: AcquireRequest = {
    ...request,
    get signal() {
      if (abort === undefined) {
        abort = new AbortController();
        if (call.cancelled) abort.abort();
        else call.once("cancelled", onCancel);
      }
      return abort.signal;
    },
  };
  try {
    return await granted(pool, call, await pool.acquire(waiting));
  } finally {
    if (abort !== undefined) call.removeListener("cancelled", onCancel);
  }
}

export function keyPoolService({ pool, log, reloader, statsSubscribers, history, clock = systemClock }: ServiceDeps): KeyPoolServiceServer {
  const subscribers = statsSubscribers ?? new StatsSubscribers();
  return {
    acquireKey: unary(log, (call) => {
      const req = call.request;
      if (isTraced(call)) setRpcAttributes(call, { "keypool.provider": req.provider.trim().toLowerCase().slice(0, 64) });
      let maxWaitMs = durationToMs(req.maxWait) ?? 0;
      if (maxWaitMs > 0) {
        const deadline = call.getDeadline();
        const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
        if (Number.isFinite(deadlineMs)) maxWaitMs = Math.max(0, Math.min(maxWaitMs, deadlineMs - Date.now() - DEADLINE_RESERVE_MS));
      }
      const request: AcquireRequest = {
        provider: req.provider,
        model: req.model,
        estimatedTokens: req.estimatedTokens,
        maxWaitMs,
        leaseTtlMs: durationToMs(req.leaseTtl),
        clientId: req.clientId,
        owner: callerOf(call).name,
      };
      // Only a wait needs to hear of a cancellation; an answer at once is checked for it when granted.
      if (maxWaitMs > 0) return acquireWaiting(pool, call, request);
      // A store that decides in memory answers at once, and so does the handler: no promise per call.
      if (pool.acquireNow === undefined) return pool.acquire(request).then((lease) => granted(pool, call, lease));
      const lease = pool.acquireNow(request);
      return lease instanceof Promise ? lease.then((l) => granted(pool, call, l)) : granted(pool, call, lease);
    }),

    reportUsage: unary(log, (call) => {
      const req = call.request;
      checkProviderAnswer(req);
      const caller = callerOf(call);
      const report = {
        outcome: reportedOutcome(req.outcome),
        httpStatus: req.httpStatus,
        promptTokens: req.promptTokens,
        completionTokens: req.completionTokens,
        latencyMs: durationToMs(req.latency),
        retryAfterMs: durationToMs(req.retryAfter),
        errorMessage: req.errorMessage,
        answer: { headers: req.responseHeaders, errorBody: req.errorBody },
      };
      const answer = (result: ReportResult): ReportUsageResponse => {
        logRateLimits(log, result, result.rateLimits);
        if (isTraced(call)) {
          setRpcAttributes(call, {
            "keypool.provider": result.provider,
            "keypool.key_id": result.keyId,
            "keypool.already_reported": result.alreadyReported,
            ...(result.outcome === undefined ? {} : { "keypool.outcome": result.outcome }),
          });
        }
        return {
          keyState: keyStateToProto(result.keyState),
          alreadyReported: result.alreadyReported,
          keyId: result.keyId,
          outcome: outcomeToProto(result.outcome),
        };
      };
      if (pool.reportNow !== undefined) return answer(pool.reportNow(req.leaseId, report, caller.name, caller));
      return pool.report(req.leaseId, report, caller.name, caller).then(answer);
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
