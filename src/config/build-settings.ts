import { formatDuration } from "./duration.js";
import type { SettingsDoc } from "./document-schema.js";
import { type Problem, problemAt } from "./problem.js";
import { defaultSettings, type PoolSettings } from "./types.js";

/** Document settings over the defaults, plus the checks that span two fields. */
export function buildSettings(doc: SettingsDoc | undefined): { settings: PoolSettings; problems: Problem[] } {
  const d = doc ?? {};
  const settings: PoolSettings = {
    leaseTtlMs: d.lease_ttl ?? defaultSettings.leaseTtlMs,
    maxLeaseTtlMs: d.max_lease_ttl ?? defaultSettings.maxLeaseTtlMs,
    maxWaitMs: d.max_wait ?? defaultSettings.maxWaitMs,
    windowMarginRatio: d.window_margin ?? defaultSettings.windowMarginRatio,
    windowMarginMaxMs: d.window_margin_max ?? defaultSettings.windowMarginMaxMs,
    backoffInitialMs: d.backoff_initial ?? defaultSettings.backoffInitialMs,
    backoffMaxMs: d.backoff_max ?? defaultSettings.backoffMaxMs,
    quotaCooldownMs: d.quota_cooldown ?? defaultSettings.quotaCooldownMs,
    unauthorizedRecheckMs: d.unauthorized_recheck ?? defaultSettings.unauthorizedRecheckMs,
    maxRateLimitCooldownMs: d.max_rate_limit_cooldown ?? defaultSettings.maxRateLimitCooldownMs,
    maxQuotaCooldownMs: d.max_quota_cooldown ?? defaultSettings.maxQuotaCooldownMs,
    unauthorizedQuorum: d.unauthorized_quorum ?? defaultSettings.unauthorizedQuorum,
    unauthorizedWindowMs: d.unauthorized_window ?? defaultSettings.unauthorizedWindowMs,
    unauthorizedHoldMs: d.unauthorized_hold ?? defaultSettings.unauthorizedHoldMs,
    maxKeyActionsPerClient: d.max_key_actions_per_client ?? defaultSettings.maxKeyActionsPerClient,
    serverErrorThreshold: d.server_error_threshold ?? defaultSettings.serverErrorThreshold,
    serverErrorCooldownMs: d.server_error_cooldown ?? defaultSettings.serverErrorCooldownMs,
    maxOpenLeasesPerClient: d.max_open_leases_per_client ?? defaultSettings.maxOpenLeasesPerClient,
    acquireRatePerClient: d.acquire_rate_per_client ?? defaultSettings.acquireRatePerClient,
    maxWaitingPerProvider: d.max_waiting_per_provider ?? defaultSettings.maxWaitingPerProvider,
    spendRecheckMs: d.spend_recheck ?? defaultSettings.spendRecheckMs,
    stateFile: d.state_file ?? defaultSettings.stateFile,
    stateIntervalMs: d.state_interval ?? defaultSettings.stateIntervalMs,
    store: d.store ?? defaultSettings.store,
    storePrefix: d.store_prefix ?? defaultSettings.storePrefix,
    storeFailure: d.store_failure ?? defaultSettings.storeFailure,
  };

  // Checked on the effective values: raising lease_ttl alone past the
  // default max_lease_ttl is as wrong as setting both inconsistently. A
  // report cap below the cooldown the pool itself would choose would quietly
  // shorten that cooldown.
  const problems: Problem[] = [];
  const atMost = (field: string, value: number, capField: string, cap: number) => {
    if (value > cap) problems.push(problemAt(["settings", field], `must not exceed ${capField} (${formatDuration(cap)})`));
  };
  atMost("lease_ttl", settings.leaseTtlMs, "max_lease_ttl", settings.maxLeaseTtlMs);
  atMost("backoff_initial", settings.backoffInitialMs, "backoff_max", settings.backoffMaxMs);
  atMost("backoff_max", settings.backoffMaxMs, "max_rate_limit_cooldown", settings.maxRateLimitCooldownMs);
  atMost("quota_cooldown", settings.quotaCooldownMs, "max_quota_cooldown", settings.maxQuotaCooldownMs);
  return { settings, problems };
}
