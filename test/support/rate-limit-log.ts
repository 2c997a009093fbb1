import type { ParsedRateLimits } from "../../src/provider-http/rate-limits/rate-limit-facts.js";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";

/** One "provider rate limits read" line: what the server (or the proxy) read of a provider's answer. */
export interface RateLimitRead {
  provider: string;
  keyId: string;
  rateLimits: ParsedRateLimits;
}

/**
 * A debug-level logger whose lines are kept: the sidecar writes what it read
 * of each provider answer there, so a test sees what reached it.
 */
export function capturedLog(): { log: Logger; lines: string[]; reads: () => RateLimitRead[] } {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(line) } });
  const reads = () =>
    lines
      .map((line) => JSON.parse(line) as { msg?: string } & RateLimitRead)
      .filter((line) => line.msg === "provider rate limits read")
      .map(({ provider, keyId, rateLimits }) => ({ provider, keyId, rateLimits }));
  return { log, lines, reads };
}
