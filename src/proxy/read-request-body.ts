import type { IncomingMessage } from "node:http";
import { ProxyError } from "./proxy-error.js";
import { ClientGoneError } from "./pump-body.js";

/**
 * Reads the whole request body, at most `maxBytes` (it is needed whole: to
 * estimate tokens, and to send it again to another key on failover). A
 * declared or actual size above the limit is a 413 that closes the
 * connection, so the rest of an oversized upload is never read. Undefined
 * for a request without a body.
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (declared === undefined && req.headers["transfer-encoding"] === undefined) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(bytes);
    }
  } catch (err) {
    // Anything but our own refusal means the upload broke off: the client is gone.
    throw err instanceof ProxyError ? err : new ClientGoneError("the client stopped sending its request");
  }
  return size === 0 && declared === undefined ? undefined : Buffer.concat(chunks, size);
}

function tooLarge(maxBytes: number): ProxyError {
  return new ProxyError(413, "request_too_large", `keypool: the request body is larger than the proxy's limit of ${maxBytes} bytes`, undefined, true);
}
