import { invalidArgument } from "../protocol/keypool-error.js";
import { modelField, providerField } from "../protocol/request-fields.js";
import type { PoolSettings } from "../config/types.js";
import type { AcquireRequest, UsageReport } from "./types.js";

export interface NormalizedAcquire {
  readonly provider: string;
  readonly model: string;
  readonly estimatedTokens: number;
  readonly maxWaitMs: number;
  readonly leaseTtlMs: number;
  readonly clientId: string;
  readonly owner: string;
}

const MAX_CLIENT_ID = 128;

/** Checks an acquisition's arguments and fills in defaults; throws INVALID_ARGUMENT naming the field. */
export function normalizeAcquire(req: AcquireRequest, settings: PoolSettings): NormalizedAcquire {
  const provider = providerField(req.provider);
  const model = modelField(req.model);
  const estimatedTokens = req.estimatedTokens ?? 0;
  if (!Number.isSafeInteger(estimatedTokens) || estimatedTokens < 0) {
    throw invalidArgument("estimated_tokens: expected a non-negative integer");
  }
  const maxWait = req.maxWaitMs ?? 0;
  if (!Number.isFinite(maxWait) || maxWait < 0) throw invalidArgument("max_wait: expected a non-negative duration");
  const ttl = req.leaseTtlMs ?? 0;
  if (!Number.isFinite(ttl) || ttl < 0) throw invalidArgument("lease_ttl: expected a non-negative duration");
  if (ttl > settings.maxLeaseTtlMs) {
    throw invalidArgument(`lease_ttl: at most ${settings.maxLeaseTtlMs / 1000}s is allowed`);
  }
  const clientId = req.clientId ?? "";
  if (clientId.length > MAX_CLIENT_ID) throw invalidArgument(`client_id: longer than ${MAX_CLIENT_ID} characters`);
  return {
    provider,
    model,
    estimatedTokens,
    maxWaitMs: Math.min(maxWait, settings.maxWaitMs),
    leaseTtlMs: ttl === 0 ? settings.leaseTtlMs : ttl,
    clientId,
    owner: req.owner ?? "",
  };
}

/** Checks a report's numbers; throws INVALID_ARGUMENT naming the field. Runs on every report, so it builds no lists. */
export function validateReport(report: UsageReport): void {
  checkCount("prompt_tokens", report.promptTokens);
  checkCount("completion_tokens", report.completionTokens);
  checkDuration("latency", report.latencyMs);
  checkDuration("retry_after", report.retryAfterMs);
  const status = report.httpStatus ?? 0;
  if (!Number.isInteger(status) || (status !== 0 && (status < 100 || status > 599))) {
    throw invalidArgument("http_status: expected 0 or an HTTP status from 100 to 599");
  }
}

function checkCount(field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw invalidArgument(`${field}: expected a non-negative integer`);
  }
}

function checkDuration(field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw invalidArgument(`${field}: expected a non-negative duration`);
  }
}
