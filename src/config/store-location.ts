import { invalidConfig } from "../protocol/keypool-error.js";

/** Where the pool's state lives: in this process, or in a Redis shared by a fleet of sidecars. */
export type StoreLocation =
  | { readonly kind: "memory" }
  | {
      readonly kind: "redis";
      readonly host: string;
      readonly port: number;
      readonly db: number;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly tls: boolean;
      /** The URL with the password replaced by `***`: the only form ever printed. */
      readonly masked: string;
    };

export const DEFAULT_STORE_PREFIX = "keypool:";

/**
 * Reads `memory`, `redis://[user:pass@]host[:port][/db]` or `rediss://...`
 * (TLS). Throws INVALID_CONFIG naming `store` and the reason; the message
 * never carries the password.
 */
export function parseStoreLocation(text: string): StoreLocation {
  const value = text.trim();
  if (value === "" || value.toLowerCase() === "memory") return { kind: "memory" };
  const fail = (why: string): never => {
    throw invalidConfig("invalid store", [`store: ${why}`]);
  };
  if (!/^rediss?:\/\//i.test(value)) fail("expected memory, redis://[user:pass@]host:port[/db] or rediss://...");
  if (!URL.canParse(value)) fail("not a valid URL (is a character in the password left unescaped? percent-encode it)");
  const url = new URL(value);
  const tls = url.protocol.toLowerCase() === "rediss:";
  if (url.hostname === "") fail("the URL names no host");
  const port = url.port === "" ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, "");
  if (!/^\d{0,2}$/.test(path)) fail("the database after the host must be a number from 0 to 99");
  if (url.search !== "" || url.hash !== "") fail("query strings and fragments are not supported");
  const username = url.username === "" ? undefined : decodeURIComponent(url.username);
  const password = url.password === "" ? undefined : decodeURIComponent(url.password);
  const auth = username === undefined && password === undefined ? "" : `${username ?? ""}${password === undefined ? "" : ":***"}@`;
  return {
    kind: "redis",
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    db: path === "" ? 0 : Number(path),
    username,
    password,
    tls,
    masked: `${tls ? "rediss" : "redis"}://${auth}${url.host}${path === "" ? "" : `/${path}`}`,
  };
}

/** Reads what a sidecar does while the shared store is unreachable: local or closed. */
export function parseStoreFailure(text: string): "local" | "closed" {
  const value = text.trim().toLowerCase();
  if (value === "local" || value === "closed") return value;
  throw invalidConfig("invalid store failure mode", [`store_failure: expected local (serve alone with a share of every limit) or closed (refuse), got ${JSON.stringify(text.slice(0, 32))}`]);
}

/** Checks a key prefix: printable, no braces (they would break the Cluster hash tag), not too long. */
export function parseStorePrefix(text: string): string {
  if (text.length === 0 || text.length > 64 || /[{}\s\p{Cc}]/u.test(text)) {
    throw invalidConfig("invalid store prefix", ["store_prefix: 1 to 64 printable characters without braces or spaces"]);
  }
  return text;
}
