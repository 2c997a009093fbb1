import type { IncomingMessage } from "node:http";
import { ProxyError } from "./proxy-error.js";
import { ClientGoneError } from "./pump-body.js";

/**
 * Reads the whole request body, at most `maxBytes` (it is needed whole: to
 * estimate tokens, and to send it again to another key on failover). A
 * declared or actual size above the limit is a 413 that closes the
 * connection, so the rest of an oversized upload is never read. Undefined
 * for a request without a body. A body that came in one chunk (most do) is
 * that chunk, not a copy; events, not an async iterator, for the same reason.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (declared === undefined && req.headers["transfer-encoding"] === undefined) return Promise.resolve(undefined);
  return new Promise<Buffer | undefined>((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const cleanup = () => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onBroken);
      req.removeListener("close", onBroken);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        // Not read further; the 413 closes the connection.
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (size === 0) resolve(declared === undefined ? undefined : Buffer.alloc(0));
      else resolve(chunks === undefined ? first : Buffer.concat(chunks, size));
    };
    // Closed or failed before its end: the upload broke off, the client is gone.
    const onBroken = () => {
      cleanup();
      reject(new ClientGoneError("the client stopped sending its request"));
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onBroken);
    req.once("close", onBroken);
  });
}

function tooLarge(maxBytes: number): ProxyError {
  return new ProxyError(413, "request_too_large", `keypool: the request body is larger than the proxy's limit of ${maxBytes} bytes`, undefined, true);
}
