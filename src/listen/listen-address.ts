import { invalidArgument } from "../protocol/keypool-error.js";

export type ListenAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/** Parses `host:port`, `[v6]:port` or `unix:/path`; port 0 asks for an ephemeral port. */
export function parseListenAddress(text: string): ListenAddress {
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length);
    if (path === "") throw invalidArgument(`listen address ${JSON.stringify(text)}: missing socket path`);
    return { kind: "unix", path };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw invalidArgument(`listen address ${JSON.stringify(text)}: expected host:port or unix:/path`);
  }
  return { kind: "tcp", host: m[1] as string, port };
}

export function formatListenAddress(addr: ListenAddress): string {
  return addr.kind === "unix" ? `unix:${addr.path}` : `${addr.host}:${addr.port}`;
}
