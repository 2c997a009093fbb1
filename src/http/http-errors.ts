import type { ServerResponse } from "node:http";
import { httpStatusOf, retryHeaders } from "../protocol/http-error.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { Logger } from "../telemetry/logger.js";

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
 * The admin server's answer for anything thrown: a KeypoolError keeps its
 * status (the one HTTP mapping), reason and safe message; anything else is a 500 whose detail goes only to
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
  const headers = err.retryAfterMs === undefined ? {} : retryHeaders(err.retryAfterMs);
  sendJson(res, httpStatusOf(err), { error: { code: err.code, reason: err.reason, message: err.message } }, headers);
}
