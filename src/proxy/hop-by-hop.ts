import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** Headers that describe one connection, not the message (RFC 9110 7.6.1), and are never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Every place a provider key or a keypool token travels in; the proxy sets the upstream one itself. */
const CREDENTIALS = new Set(["authorization", "x-api-key", "api-key", "x-goog-api-key"]);

/**
 * Request headers set anew for the upstream connection: the host and length
 * (undici writes them for the buffered body), the expectation (the body is
 * already here), and the encoding (the proxy reads usage from the body, so it
 * asks for it uncompressed).
 */
const REQUEST_OWN = new Set(["host", "content-length", "expect", "accept-encoding"]);

/**
 * The names a message's Connection header lists beyond the fixed set (RFC
 * 9110 7.6.1: they are hop-by-hop too); undefined for the usual
 * `keep-alive` or `close`, so that most messages allocate nothing here.
 */
function connectionNamed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const connection = headers["connection"];
  if (connection === undefined) return undefined;
  let names: Set<string> | undefined;
  for (const value of Array.isArray(connection) ? connection : [connection]) {
    for (const token of value.split(",")) {
      const name = token.trim().toLowerCase();
      if (name !== "" && name !== "close" && !HOP_BY_HOP.has(name)) (names ??= new Set()).add(name);
    }
  }
  return names;
}

/**
 * The client's request headers as they go upstream: without hop-by-hop
 * headers, without any credential (the client's token must never leave the
 * proxy), without keypool's own `x-keypool-*` controls, and with
 * `accept-encoding: identity`. Built once per request; each attempt then
 * sets its key in it (see setKeyHeader).
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionNamed(headers);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || CREDENTIALS.has(name) || REQUEST_OWN.has(name) || name.startsWith("x-keypool-")) continue;
    if (named?.has(name) === true) continue;
    out[name] = value;
  }
  out["accept-encoding"] = "identity";
  return out;
}

/**
 * The upstream's response headers as they go to the client, with keypool's
 * own (`extra`) added: without hop-by-hop headers (Node writes its own
 * framing). `keepLength` false drops content-length too, for a body the
 * proxy sends itself.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders, keepLength = true, extra?: Readonly<Record<string, string>>): OutgoingHttpHeaders {
  const named = connectionNamed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name) === true) continue;
    if (!keepLength && name === "content-length") continue;
    out[name] = value;
  }
  if (extra !== undefined) for (const name in extra) out[name] = extra[name];
  return out;
}
