import type { Metadata, sendUnaryData, ServerUnaryCall, ServerWritableStream } from "@grpc/grpc-js";
import type { KeyPoolServiceServer } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { sourceOf } from "../auth/auth-failures.js";
import { AuthState } from "../auth/auth-state.js";
import type { ClientIdentity } from "../auth/client-identity.js";
import type { Logger } from "../telemetry/logger.js";
import { setCaller } from "./caller.js";
import { toServiceError } from "./to-status.js";

interface AuthCall {
  readonly metadata: Metadata;
  getPeer(): string;
  getPath(): string;
  getAuthContext?: () => { sslPeerCertificate?: { subject?: { CN?: string | string[] } } } | null;
}

/**
 * Authenticates every KeyPoolService call and checks what the client may do:
 * lease only from its providers, reload and act on keys only as an administrator. Health
 * and reflection are separate services and stay open. The identity is left
 * on the call for the handlers (lease ownership).
 */
export function authorizedService(impl: KeyPoolServiceServer, auth: AuthState, log: Logger): KeyPoolServiceServer {
  const identify = async (call: AuthCall): Promise<ClientIdentity> => {
    const attempt = { listener: "grpc" as const, source: sourceOf(call.getPeer()), method: call.getPath(), log };
    const client = await auth.authenticateAttempt(bearerToken(call.metadata), certificateCn(call), attempt);
    setCaller(call, client);
    return client;
  };
  const unary =
    <Req, Res>(handler: (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void, check: (c: ClientIdentity, req: Req) => void) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      identify(call)
        .then((client) => check(client, call.request))
        .then(
          () => handler(call, callback),
          (err: unknown) => callback(toServiceError(err, log)),
        );
    };
  return {
    acquireKey: unary(impl.acquireKey, (client, req) => {
      const provider = req.provider.trim().toLowerCase();
      // An empty provider is the handler's INVALID_ARGUMENT, not a permission question.
      if (provider !== "") AuthState.requireProvider(client, provider);
    }),
    reportUsage: unary(impl.reportUsage, () => {}),
    reloadConfig: unary(impl.reloadConfig, (client) => AuthState.requireAdmin(client)),
    setKeyState: unary(impl.setKeyState, (client) => AuthState.requireAdmin(client)),
    // Like StreamStats: any authenticated client may read statistics (ids and masked keys only).
    getStatsHistory: unary(impl.getStatsHistory, (client, req) => {
      // History follows the caller's scope like StreamStats; an empty provider is the handler's INVALID_ARGUMENT.
      const provider = req.provider.trim().toLowerCase();
      if (provider !== "") AuthState.requireProvider(client, provider);
    }),
    streamStats: (call: ServerWritableStream<Parameters<KeyPoolServiceServer["streamStats"]>[0]["request"], never>) => {
      identify(call).then(
        () => impl.streamStats(call as never),
        (err: unknown) => call.emit("error", toServiceError(err, log)),
      );
    },
  };
}

function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get("authorization")[0];
  if (typeof value !== "string") return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m?.[1];
}

function certificateCn(call: AuthCall): string | undefined {
  const cn = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
