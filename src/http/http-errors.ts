import type { ServerResponse } from "node:http";
import { KeypoolError, type ErrorCode } from "../protocol/keypool-error.js";
import type { Logger } from "../telemetry/logger.js";

const httpStatus: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
};

/** Writes a JSON body with no-store caching: statistics are live. */
export function sendJson(res: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(statusCode, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * The admin server's one mapping from thrown values to HTTP: a KeypoolError
 * keeps its safe message; anything else is a 500 whose detail goes only to
 * the log (it could hold anything).
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!(err instanceof KeypoolError)) {
    log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err) }, "admin request failed");
    sendJson(res, 500, { error: { code: "INTERNAL", message: "internal error" } });
    return;
  }
  const headers: Record<string, string> = {};
  if (err.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  sendJson(res, httpStatus[err.code], { error: { code: err.code, message: err.message } }, headers);
}
