import type { ServerResponse } from "node:http";
import { retryHeaders } from "../protocol/http-error.js";
import { errorBody } from "../provider-http/error-body.js";
import type { ProviderApi } from "../provider-http/provider-api.js";
import type { ProxyError } from "./proxy-error.js";

/** Answers with the error in the client's format; a response already started is cut instead. */
export function sendProxyError(res: ServerResponse, api: ProviderApi | undefined, err: ProxyError, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const text = `${JSON.stringify(errorBody(api, err))}\n`;
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...(err.retryAfterMs === undefined ? {} : retryHeaders(err.retryAfterMs)),
    ...extra,
  };
  if (err.closeConnection) headers["connection"] = "close";
  res.writeHead(err.status, headers);
  res.end(text);
}
