import type { IncomingMessage } from "node:http";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { CsrfTokens } from "./csrf-token.js";
import { hostOf } from "./host-check.js";

export const CSRF_HEADER = "x-keypool-csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AdminGuardContext {
  /** Host names the listener answers to without tokens; undefined on a unix socket, which no web page can reach. */
  readonly hosts: ReadonlySet<string> | undefined;
  readonly tokensEnabled: boolean;
  readonly csrf: CsrfTokens;
}

/**
 * Checks, before anything else, that a request to the admin server is not a
 * browser being used against it. Without client tokens, the Host must be one
 * the server answers to (DNS rebinding sends the attacker's own name). A
 * request that would change state must carry a bearer token (a page on
 * another site cannot add one without a CORS preflight, which is never
 * granted), or come from the server's own origin with a CSRF token from
 * GET /v1/csrf-token. Errors name the header, never echo its value.
 */
export function guardAdminRequest(req: IncomingMessage, ctx: AdminGuardContext): void {
  const host = hostOf(req.headers.host);
  if (!ctx.tokensEnabled && ctx.hosts !== undefined && (host === undefined || !ctx.hosts.has(host))) {
    throw new KeypoolError(
      "PERMISSION_DENIED",
      "Host header: not a name this admin server answers to without client tokens; use localhost or the address it listens on",
    );
  }
  if (SAFE_METHODS.has(req.method ?? "GET")) return;
  if (typeof req.headers.authorization === "string" && /^Bearer\s+\S+/i.test(req.headers.authorization)) return;
  const origin = req.headers.origin;
  if (origin === undefined || !sameOrigin(origin, req.headers.host)) {
    throw new KeypoolError("PERMISSION_DENIED", "Origin header: a state-changing request needs an admin token or must come from the admin server's own origin");
  }
  const csrf = req.headers[CSRF_HEADER];
  if (!ctx.csrf.verify(typeof csrf === "string" ? csrf : undefined)) {
    throw new KeypoolError("PERMISSION_DENIED", `${CSRF_HEADER} header: missing, expired or not issued by this server; get one from GET /v1/csrf-token`);
  }
}

function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = hostOf(hostHeader);
  return host !== undefined && (url.protocol === "http:" || url.protocol === "https:") && url.host.toLowerCase() === (hostHeader ?? "").trim().toLowerCase();
}
