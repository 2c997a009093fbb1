import type { PoolConfig } from "./types.js";

/** Either a validated, deeply frozen config or every error found. Never both. */
export type ConfigResult = { ok: true; config: PoolConfig } | { ok: false; errors: string[] };

export function failure(errors: readonly string[]): ConfigResult {
  return { ok: false, errors: [...errors] };
}
