import { status, type Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  KeyAction,
  type KeyPoolServiceClient,
  type SetKeyStateResponse,
  type StreamStatsResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { keyStateFromProto } from "../protocol/proto-names.js";
import { connect, type ConnectionOptions } from "./sidecar-connection.js";

export interface KeyCommandOptions extends ConnectionOptions {
  /** The gRPC address, as --address (the same as --target). */
  address?: string;
  provider?: string;
  reason?: string;
  json?: boolean;
}

/** The command's verbs and the action each asks for. */
export const KEY_VERBS: Readonly<Record<string, KeyAction>> = {
  disable: KeyAction.KEY_ACTION_DISABLE,
  enable: KeyAction.KEY_ACTION_ENABLE,
  drain: KeyAction.KEY_ACTION_DRAIN,
  probe: KeyAction.KEY_ACTION_PROBE,
  "clear-cooldown": KeyAction.KEY_ACTION_CLEAR_COOLDOWN,
};

const DEADLINE_MS = 15_000;

/**
 * `keypool key VERB ID`: an operator's action on one key of a running
 * sidecar. Without --provider, the provider is the one that has a key of
 * this id. Exits 1 when the sidecar refuses (the reason on stderr).
 */
export async function keyCommand(verb: string, keyId: string, opts: KeyCommandOptions): Promise<void> {
  const action = KEY_VERBS[verb];
  if (action === undefined) {
    process.stderr.write(`keypool: key: expected one of ${Object.keys(KEY_VERBS).join(", ")}\n`);
    process.exitCode = 2;
    return;
  }
  const connection = connect({ ...opts, target: opts.address ?? opts.target });
  if (connection === undefined) return;
  const { client, metadata } = connection;
  try {
    const provider = opts.provider ?? (await providerOf(client, metadata, keyId));
    const res = await new Promise<SetKeyStateResponse>((resolve, reject) =>
      client.setKeyState({ provider, keyId, action, reason: opts.reason ?? "" }, metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, r) =>
        err ? reject(err) : resolve(r),
      ),
    );
    const from = keyStateFromProto(res.previousState) ?? "unknown";
    const to = keyStateFromProto(res.state) ?? "unknown";
    if (opts.json === true) {
      process.stdout.write(`${JSON.stringify({ provider: res.provider, key_id: res.keyId, previous_state: from, state: to, changed: res.changed, state_reason: res.stateReason })}\n`);
    } else {
      const what = res.changed ? `${from} → ${to}` : `${to}, nothing to do`;
      process.stdout.write(`${res.provider}/${res.keyId}: ${what}${res.stateReason === "" ? "" : ` (${res.stateReason})`}\n`);
    }
  } catch (err) {
    process.stderr.write(`keypool: key ${verb} failed: ${explain(err)}\n`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

/** The one provider with a key of this id, from one statistics snapshot. */
async function providerOf(client: KeyPoolServiceClient, metadata: () => Metadata, keyId: string): Promise<string> {
  const snapshot = await new Promise<StreamStatsResponse>((resolve, reject) => {
    const call = client.streamStats({ providers: [], interval: undefined }, metadata(), { deadline: Date.now() + DEADLINE_MS });
    call.once("data", (m: StreamStatsResponse) => {
      resolve(m);
      call.cancel();
    });
    call.once("error", (e: ServiceError) => {
      if (e.code !== status.CANCELLED) reject(e);
    });
  });
  const owners = snapshot.providers.filter((p) => p.keys.some((k) => k.keyId === keyId)).map((p) => p.provider);
  if (owners.length === 1) return owners[0] ?? "";
  if (owners.length === 0) throw new Error("no provider has a key of this id (see keypool stats)");
  throw new Error(`several providers have a key of this id (${owners.join(", ")}); name one with --provider`);
}

function explain(err: unknown): string {
  const e = err as Partial<ServiceError>;
  if (e.code === status.PERMISSION_DENIED) return `permission denied: ${e.details ?? ""} (only an administrator's token may act on keys)`;
  if (e.code === status.NOT_FOUND) return `not found: ${e.details ?? ""}`;
  if (e.code === status.UNAVAILABLE) return `the sidecar is not reachable: ${e.details ?? ""}`;
  return e.details ?? (err instanceof Error ? err.message : String(err));
}
