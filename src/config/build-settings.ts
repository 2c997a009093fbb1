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
    serverErrorThreshold: d.server_error_threshold ?? defaultSettings.serverErrorThreshold,
    serverErrorCooldownMs: d.server_error_cooldown ?? defaultSettings.serverErrorCooldownMs,
    maxOpenLeasesPerClient: d.max_open_leases_per_client ?? defaultSettings.maxOpenLeasesPerClient,
    acquireRatePerClient: d.acquire_rate_per_client ?? defaultSettings.acquireRatePerClient,
    maxWaitingPerProvider: d.max_waiting_per_provider ?? defaultSettings.maxWaitingPerProvider,
    stateFile: d.state_file ?? defaultSettings.stateFile,
    stateIntervalMs: d.state_interval ?? defaultSettings.stateIntervalMs,
  };

  // Checked on the effective values: raising lease_ttl alone past the
  // default max_lease_ttl is as wrong as setting both inconsistently.
  const problems: Problem[] = [];
  if (settings.leaseTtlMs > settings.maxLeaseTtlMs) {
    problems.push(
      problemAt(["settings", "lease_ttl"], `must not exceed max_lease_ttl (${formatDuration(settings.maxLeaseTtlMs)})`),
    );
  }
  if (settings.backoffInitialMs > settings.backoffMaxMs) {
    problems.push(
      problemAt(["settings", "backoff_initial"], `must not exceed backoff_max (${formatDuration(settings.backoffMaxMs)})`),
    );
  }
  return { settings, problems };
}
