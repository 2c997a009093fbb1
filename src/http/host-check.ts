import { networkInterfaces } from "node:os";
import type { ListenAddress } from "../listen/listen-address.js";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);
const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

/**
 * The host names a request may address this listener by when no client
 * tokens protect it: loopback names, and the address it is bound to (every
 * local interface address when bound to a wildcard). A page on another site
 * that rebinds its own name to 127.0.0.1 still sends its own name as Host,
 * and is refused.
 */
export function allowedHosts(address: ListenAddress): ReadonlySet<string> {
  const hosts = new Set(LOOPBACK_NAMES);
  if (address.kind !== "tcp") return hosts;
  const bound = unbracket(address.host).toLowerCase();
  if (WILDCARDS.has(bound)) {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) hosts.add(i.address.toLowerCase());
  } else {
    hosts.add(bound);
  }
  return hosts;
}

/** The host of a Host header without its port; undefined when the header is missing or malformed. */
export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::\d{1,5})?$/.exec(header.trim());
  if (m?.[1] === undefined) return undefined;
  // "localhost." is the same name as "localhost".
  return unbracket(m[1]).toLowerCase().replace(/\.$/, "");
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
