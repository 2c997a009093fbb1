import { formatDuration } from "../config/duration.js";
import { redactAll } from "../config/redact.js";
import type { ProbeResult } from "../provider-http/key-probe.js";
import type { RateLimitFact } from "../provider-http/rate-limits/rate-limit-facts.js";

/** One key's check, as printed. */
export interface KeyCheck {
  readonly provider: string;
  readonly keyId: string;
  readonly masked: string;
  readonly enabled: boolean;
  readonly result: ProbeResult;
}

/**
 * The checks as a table per provider: id, masked key, verdict (with the
 * reason when it is not valid) and the limits the answer stated. Every
 * configured secret is scrubbed from the text as a last step.
 */
export function renderKeyChecks(checks: readonly KeyCheck[], now: number, secrets: readonly string[]): string {
  const lines: string[] = [];
  let provider: string | undefined;
  for (const check of checks) {
    if (check.provider !== provider) {
      provider = check.provider;
      lines.push(`provider ${provider}:`);
    }
    const { verdict, reason, rateLimits } = check.result;
    const status = verdict === "valid" ? "valid" : `${verdict.replace("_", " ")}${reason === undefined ? "" : ` (${reason})`}`;
    lines.push(`  ${check.keyId}  ${check.masked}  ${status}${check.enabled ? "" : "  [disabled in the config]"}`);
    for (const fact of rateLimits?.limits ?? []) lines.push(`      ${describeFact(fact, now)}`);
    const exhausted = rateLimits?.exhausted;
    if (exhausted !== undefined) {
      const until = exhausted.resetAt === undefined ? "until a recheck" : `until ${new Date(exhausted.resetAt).toISOString()}`;
      lines.push(`      exhausted: ${exhausted.reason.replace("_", " ")} of the ${exhausted.scope} ${until}`);
    }
    if (rateLimits?.retryAfterMs !== undefined) lines.push(`      retry after ${formatDuration(rateLimits.retryAfterMs)}`);
  }
  const counts = countVerdicts(checks);
  lines.push(`${checks.length} ${checks.length === 1 ? "key" : "keys"}: ${counts.valid} valid, ${counts.invalid} invalid, ${counts.rate_limited} rate limited, ${counts.unchecked} unchecked`);
  return redactAll([lines.join("\n") + "\n"], secrets)[0] ?? "";
}

export function countVerdicts(checks: readonly KeyCheck[]): Record<ProbeResult["verdict"], number> {
  const counts = { valid: 0, invalid: 0, rate_limited: 0, unchecked: 0 };
  for (const check of checks) counts[check.result.verdict]++;
  return counts;
}

/** `requests: 59 of 60 left per minute (organization), resets in 1s`. */
function describeFact(fact: RateLimitFact, now: number): string {
  const dimension = fact.dimension.replace("_", " ");
  const amount =
    fact.remaining !== undefined && fact.limit !== undefined
      ? `${fact.remaining} of ${fact.limit} left`
      : fact.remaining !== undefined
        ? `${fact.remaining} left`
        : `limit ${fact.limit ?? "unknown"}`;
  const window = fact.window === undefined ? "" : ` per ${fact.window.replace("_", " ")}`;
  const scope = [fact.scope, fact.model, fact.quotaId].filter((part) => part !== undefined).join(", ");
  const reset = fact.resetAt === undefined ? "" : `, resets in ${formatDuration(Math.max(0, fact.resetAt - now))}`;
  return `${dimension}: ${amount}${window} (${scope})${reset}`;
}
