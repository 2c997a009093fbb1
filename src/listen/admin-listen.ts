import { parseListenAddress, type ListenAddress } from "./listen-address.js";

/** The admin server's default address: the port Prometheus registers for OpenTelemetry exporters. */
export const DEFAULT_ADMIN_LISTEN = "127.0.0.1:9464";

/** Parses --admin-listen: host:port or unix:/path; "off", "none" or empty disables the admin server (undefined). */
export function parseAdminListen(text: string): ListenAddress | undefined {
  const t = text.trim();
  if (t === "" || t.toLowerCase() === "off" || t.toLowerCase() === "none") return undefined;
  return parseListenAddress(t);
}
