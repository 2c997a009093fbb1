import type { IncomingMessage, ServerResponse } from "node:http";
import type { ClientIdentity } from "../auth/client-identity.js";
import { invalidArgument, KeypoolError } from "../protocol/keypool-error.js";
import { parseKeyAction } from "../pool/key-action.js";
import { attribution } from "../pool/key-health.js";
import type { LeasePool } from "../pool/lease-pool.js";
import { sendJson } from "./http-errors.js";

/** `/v1/keys/{provider}/{keyId}/state`, the path of an operator's action on one key. */
const PATH = /^\/v1\/keys\/([^/]+)\/([^/]+)\/state$/;

/** A body of an action and a 200-character reason fits well within this. */
const MAX_BODY_BYTES = 4096;

/** The provider and key id a path names, or undefined when it is not a key-state path. */
export function keyStatePath(pathname: string): { provider: string; keyId: string } | undefined {
  const m = PATH.exec(pathname);
  if (m === null) return undefined;
  try {
    return { provider: decodeURIComponent(m[1] ?? ""), keyId: decodeURIComponent(m[2] ?? "") };
  } catch {
    throw invalidArgument("path: not valid percent-encoding");
  }
}

/**
 * POST /v1/keys/{provider}/{keyId}/state with `{"action": "disable", "reason": "rotating"}`:
 * SetKeyState over HTTP, for the dashboard and scripts. The caller has
 * passed the admin checks (token, or same origin with a CSRF token).
 */
export async function serveKeyState(
  req: IncomingMessage,
  res: ServerResponse,
  target: { provider: string; keyId: string },
  pool: LeasePool,
  client: ClientIdentity,
): Promise<void> {
  const body = await readJsonObject(req);
  const { action, reason } = body;
  if (typeof action !== "string") throw invalidArgument("action: required, a string such as \"disable\"");
  if (reason !== undefined && typeof reason !== "string") throw invalidArgument("reason: expected a string");
  const r = await pool.setKeyState(target.provider.trim().toLowerCase(), target.keyId, parseKeyAction(action), reason ?? "", attribution(client.name));
  sendJson(res, 200, {
    provider: r.provider,
    key_id: r.keyId,
    action: r.action,
    previous_state: r.from,
    state: r.to,
    changed: r.changed,
    state_reason: r.stateReason,
  });
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) throw new KeypoolError("INVALID_ARGUMENT", "content-type: expected application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidArgument(`body: at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw invalidArgument("body: not JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalidArgument("body: expected a JSON object");
  return doc as Record<string, unknown>;
}
