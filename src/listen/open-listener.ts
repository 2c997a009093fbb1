import type { Logger } from "../telemetry/logger.js";
import { checkExposure } from "./exposure-policy.js";
import { formatListenAddress, type ListenAddress } from "./listen-address.js";
import { listenFailure } from "./listen-failure.js";
import { clearStaleSocket, withSocketMode } from "./unix-socket.js";

export interface ListenerPolicy {
  /** The listener's name in messages: "gRPC", "admin", "proxy". */
  readonly name: string;
  readonly tls: boolean;
  readonly tokens: boolean;
  readonly insecure: boolean;
  /** File mode of a unix: socket. */
  readonly socketMode: number;
  readonly log: Logger;
}

/**
 * The one way every listener (gRPC, admin HTTP, proxy) comes up: the
 * exposure policy first (a refused bind throws, an accepted risk is logged),
 * then, for a unix: path, a stale socket is cleared and the socket is created
 * with its mode from the start. `bind` binds the transport and resolves with
 * the TCP port it got (ignored for a socket). Resolves with the bound address,
 * host:port (the real port when 0 was asked) or unix:/path. A bind that
 * fails rejects with one plain sentence naming the address and the reason.
 */
export async function openListener(addr: ListenAddress, policy: ListenerPolicy, bind: () => Promise<number>): Promise<string> {
  for (const warning of checkExposure(policy.name, addr, policy)) policy.log.warn(warning);
  const bindPlainly = () => bind().catch((err: unknown) => Promise.reject(listenFailure(policy.name, formatListenAddress(addr), err)));
  if (addr.kind === "unix") {
    await clearStaleSocket(addr.path);
    await withSocketMode(policy.socketMode, bindPlainly);
    return `unix:${addr.path}`;
  }
  return `${addr.host}:${await bindPlainly()}`;
}
