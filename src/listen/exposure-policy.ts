import { isIP } from "node:net";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { ListenAddress } from "./listen-address.js";

/** True for addresses only this machine can reach. */
export function isLoopback(addr: ListenAddress): boolean {
  if (addr.kind === "unix") return true;
  const host = addr.host.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

export interface ExposureFacts {
  readonly tls: boolean;
  readonly tokens: boolean;
  /** The operator said --insecure. */
  readonly insecure: boolean;
}

/**
 * A listener reachable from other hosts hands out API keys to anyone who can
 * connect unless callers are authenticated or the channel is protected. Such
 * a bind is refused unless the operator opts in explicitly; the returned
 * warnings are logged at start.
 */
export function checkExposure(name: string, addr: ListenAddress, facts: ExposureFacts): string[] {
  if (isLoopback(addr)) return [];
  const where = `${name} listener ${addr.kind === "tcp" ? `${addr.host}:${addr.port}` : addr.path}`;
  if (!facts.tls && !facts.tokens) {
    if (!facts.insecure) {
      throw new KeypoolError(
        "FAILED_PRECONDITION",
        `${where} is reachable from other hosts, but neither TLS (--tls-cert/--tls-key) nor client tokens (--tokens-file) are configured; ` +
          "bind a loopback address or a unix: socket, configure one of them, or pass --insecure to accept the risk",
      );
    }
    return [`${where} is reachable from other hosts without TLS or client tokens (--insecure): anyone who can connect can lease keys`];
  }
  if (!facts.tls) return [`${where} is reachable from other hosts without TLS: client tokens and leased keys cross the network in clear text`];
  return [];
}
