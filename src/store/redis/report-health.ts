import type { PoolSettings } from "../../config/types.js";
import type { Outcome } from "../../protocol/outcome.js";
import type { ParsedRateLimits } from "../../provider-http/rate-limits/rate-limit-facts.js";
import { exhaustionOf } from "../../pool/answer-transitions.js";
import type { KeyActionDecision } from "../../pool/key-action-budget.js";
import { applyOutcome, attribution, healthLeaseEnded, putsOutOfService, unauthorizedQuorum, type KeyHealth } from "../../pool/key-health.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import { redactSecret } from "../../pool/redact.js";
import type { ReporterRights, UsageReport } from "../../pool/types.js";

/** A report's effect on its key's health, to be written if the health is still the one it was computed from. */
export interface ReportHealth {
  readonly health: KeyHealth;
  /** The key-action budget's decision, to be committed once the store counted the report; undefined when not asked. */
  readonly budget: KeyActionDecision | undefined;
}

export interface ReportEvent {
  readonly leaseId: string;
  readonly report: UsageReport;
  readonly outcome: Outcome;
  readonly owner: string;
  readonly rights: ReporterRights;
  readonly parsed: ParsedRateLimits | undefined;
}

/**
 * The key's health after a report, by the memory store's pure functions
 * (settleKey's health part): the outcome applied, and a change that puts the
 * key out of service held to the reporting client's key-action budget.
 * `preview` answers what spending would decide, without spending.
 */
export function reportHealth(
  key: PooledKey,
  event: ReportEvent,
  now: number,
  settings: PoolSettings,
  configuredClients: number,
  preview: (client: string, now: number) => KeyActionDecision,
): ReportHealth {
  const { leaseId, report, outcome, rights, parsed } = event;
  const by = attribution(event.owner);
  const next = applyOutcome(
    key.health,
    {
      outcome,
      leaseId,
      retryAfterMs: report.retryAfterMs,
      detail: redactSecret(report.errorMessage ?? "", key.config.secret),
      by,
      confirms: rights.trusted || rights.admin,
      quorum: outcome === "unauthorized" ? unauthorizedQuorum(settings, configuredClients) : 1,
      exhaustion: exhaustionOf(key, parsed, outcome, now, settings),
    },
    now,
    settings,
  );
  if (rights.admin || !putsOutOfService(key.health, next, now)) return { health: next, budget: undefined };
  const decision = preview(by, now);
  return { health: decision.allowed ? next : healthLeaseEnded(key.health, leaseId), budget: decision };
}
