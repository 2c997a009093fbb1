import type { ConfigFingerprint } from "./config-fingerprint.js";

/** A sidecar's word to the fleet: this is the configuration I now run. */
export interface ConfigAnnouncement {
  /** Which sidecar: host name and process id, nothing secret. */
  readonly sidecar: string;
  /** That sidecar's own configuration generation. */
  readonly generation: number;
  /** When, by that sidecar's clock (ms since the epoch). */
  readonly at: number;
  readonly fingerprint: ConfigFingerprint;
}

/** Where announcements go and come from: the shared store, for a fleet. */
export interface ConfigAnnouncements {
  announce(a: ConfigAnnouncement): Promise<void>;
  /** The last announcement made, by any sidecar; undefined when none was. */
  latest(): Promise<ConfigAnnouncement | undefined>;
  /** Calls the listener with each announcement, this sidecar's own included; resolves once listening, to the function that stops. */
  listen(listener: (a: ConfigAnnouncement) => void): Promise<() => void>;
}

/** An announcement read back from the store; anything malformed (another version, a hand-written value) is ignored. */
export function parseConfigAnnouncement(text: string): ConfigAnnouncement | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const a = v as Record<string, unknown>;
  const fp = a["fingerprint"] as Record<string, unknown> | undefined;
  if (typeof a["sidecar"] !== "string" || typeof a["generation"] !== "number" || typeof a["at"] !== "number") return undefined;
  if (typeof fp !== "object" || fp === null || typeof fp["digest"] !== "string" || typeof fp["settings"] !== "string") return undefined;
  if (!isRecordOf(fp["providers"], (p) => isRecordOf(p, (d) => typeof d === "string")) || !isRecordOf(fp["providerSettings"], (d) => typeof d === "string")) {
    return undefined;
  }
  return v as ConfigAnnouncement;
}

function isRecordOf(v: unknown, check: (value: unknown) => boolean): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(check);
}
