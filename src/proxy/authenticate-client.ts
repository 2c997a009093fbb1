import type { IncomingHttpHeaders } from "node:http";
import type { ProviderApi } from "../provider-http/provider-api.js";
import { AuthState } from "../auth/auth-state.js";
import type { AuthAttempt } from "../auth/auth-failures.js";
import { ANONYMOUS, type ClientIdentity } from "../auth/client-identity.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import { clientCredential, expectedPlace } from "./client-credential.js";
import { ProxyError } from "./proxy-error.js";

const PLACE_TEXT = {
  authorization: "the Authorization: Bearer header",
  "x-api-key": "the x-api-key header",
  "api-key": "the api-key header",
  "x-goog-api-key": "the x-goog-api-key header",
  key: "the key query parameter",
} as const;

/**
 * Who is calling the proxy. With client tokens configured, the token the
 * client's SDK sends as its API key must be a keypool client token allowed
 * to use `provider` (401 or 403 otherwise). Without tokens, whatever the SDK
 * sent is accepted: reaching the proxy is the permission, as for gRPC. Under
 * mTLS, a verified client certificate's name stands for a token when the SDK
 * sends none. The value is never kept or forwarded either way.
 */
export async function authenticateClient(
  auth: AuthState | undefined,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  api: ProviderApi,
  provider: string,
  attempt: Omit<AuthAttempt, "listener">,
  certificateCn?: string,
): Promise<ClientIdentity> {
  if (auth === undefined || !auth.enabled) return ANONYMOUS;
  const credential = clientCredential(headers, query, api);
  const proxyAttempt = { ...attempt, listener: "proxy" as const };
  if (credential === undefined && certificateCn !== undefined) {
    const client = await auth.authenticateAttempt(undefined, certificateCn, proxyAttempt);
    AuthState.requireProvider(client, provider);
    return client;
  }
  if (credential === undefined) {
    const missing = new ProxyError(401, "missing_client_token", `keypool: a client token is required, sent as the SDK's API key (in ${PLACE_TEXT[expectedPlace(api)]})`);
    const answer = await auth.failures.answer(new KeypoolError("UNAUTHENTICATED", missing.message), "missing_token", proxyAttempt);
    throw answer.code === "UNAUTHENTICATED" ? missing : answer;
  }
  const client = await auth.authenticateAttempt(credential.value, undefined, proxyAttempt);
  AuthState.requireProvider(client, provider);
  return client;
}
