import { formatDuration } from "./duration.js";
import { redactAll } from "./redact.js";
import { rateLimitDialect } from "../provider-http/rate-limits/rate-limit-dialect.js";
import type { KeyConfig, LimitSet, PoolConfig, PoolSettings, WindowLimit } from "./types.js";

/**
 * Human-readable summary for `keypool check-config`. Shows every key by id,
 * label and masked secret with its effective limits; never the secret.
 */
export function describeConfig(config: PoolConfig): string {
  const lines: string[] = [];
  let keyCount = 0;
  for (const provider of config.providers.values()) {
    keyCount += provider.keys.length;
    const enabled = provider.keys.filter((k) => k.enabled).length;
    lines.push(`provider ${provider.name}: ${count(provider.keys.length, "key")} (${enabled} enabled)`);
    if (provider.baseUrl !== undefined) lines.push(`  base_url: ${safeUrl(provider.baseUrl)}`);
    lines.push(`  learned limits: read at run time from the provider's answers (${rateLimitDialect(provider.name)} dialect); the smaller of configured and learned applies`);
    for (const scope of Object.values(provider.scopes ?? {})) {
      const members = provider.keys.filter((k) => k.scope === scope.name).map((k) => k.id);
      lines.push(`  scope ${scope.name}: limits ${limitSetText(scope)}${modelLimitsText(scope.modelLimits)}; keys ${members.length === 0 ? "none" : members.join(", ")}`);
    }
    for (const key of provider.keys) lines.push(...describeKey(key));
  }
  lines.unshift(`${count(keyCount, "key")} in ${count(config.providers.size, "provider")}`);
  lines.push("settings:", ...describeSettings(config.settings).map((line) => `  ${line}`));
  if (config.warnings.length > 0) {
    lines.push(`warnings (${config.warnings.length}):`, ...config.warnings.map((w) => `  - ${w}`));
  } else {
    lines.push("warnings: none");
  }
  // Labels and ids are checked at load, but a URL could still carry a key
  // (?key=...): scrub every secret of the config from the text as a last step.
  const secrets = [...config.providers.values()].flatMap((p) => p.keys.map((k) => k.secret));
  return redactAll([lines.join("\n") + "\n"], secrets)[0] ?? "";
}

function describeKey(key: KeyConfig): string[] {
  const limits = [
    ["rpm", key.rpm],
    ["tpm", key.tpm],
    ["rpd", key.rpd],
    ["max_concurrent", key.maxConcurrent],
  ]
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`);
  if (key.windows.length > 0) limits.push(`windows=${key.windows.map(describeWindow).join(", ")}`);
  const lines = [
    `  - id: ${key.id}`,
    `    label: ${key.label}`,
    `    key: ${key.masked}`,
    `    enabled: ${key.enabled ? "yes" : "no"}${key.probe === true ? " (rechecked by the sidecar after a 401/403)" : ""}`,
    `    weight: ${key.weight}`,
    `    limits: ${limits.length === 0 ? "none configured" : limits.join(" ")}${modelLimitsText(key.modelLimits ?? {})}`,
    `    scope: ${key.scope ?? "its own"}`,
    `    models: ${key.models === undefined ? "all" : key.models.join(", ")}`,
    `    base_url: ${key.baseUrl === undefined ? "provider default" : safeUrl(key.baseUrl)}`,
  ];
  return lines;
}

function limitSetText(l: LimitSet): string {
  const parts = (["rpm", "tpm", "rpd"] as const).filter((f) => l[f] !== undefined).map((f) => `${f}=${l[f]}`);
  return parts.length === 0 ? "none configured" : parts.join(" ");
}

function modelLimitsText(m: Readonly<Record<string, LimitSet>>): string {
  const entries = Object.entries(m);
  return entries.length === 0 ? "" : `; per model: ${entries.map(([model, l]) => `${model} ${limitSetText(l)}`).join(", ")}`;
}

function describeWindow(w: WindowLimit): string {
  return `${w.limit} ${w.kind}/${formatDuration(w.perMs)}`;
}

function describeSettings(s: PoolSettings): string[] {
  return [
    `lease_ttl: ${formatDuration(s.leaseTtlMs)} (max ${formatDuration(s.maxLeaseTtlMs)})`,
    `max_wait: ${formatDuration(s.maxWaitMs)}`,
    `window_margin: ${s.windowMarginRatio} (at most ${formatDuration(s.windowMarginMaxMs)})`,
    `backoff: ${formatDuration(s.backoffInitialMs)} doubling up to ${formatDuration(s.backoffMaxMs)}`,
    `quota_cooldown: ${formatDuration(s.quotaCooldownMs)}`,
    `spend_recheck: ${formatDuration(s.spendRecheckMs)} (a spend limit or payment answer holds a key this long)`,
    `unauthorized_recheck: ${formatDuration(s.unauthorizedRecheckMs)}`,
    `report caps: 429 cooldown at most ${formatDuration(s.maxRateLimitCooldownMs)}, quota cooldown at most ${formatDuration(s.maxQuotaCooldownMs)}`,
    `unauthorized: disabled after ${s.unauthorizedQuorum === undefined ? "1 client (2 with several configured)" : count(s.unauthorizedQuorum, "client")} within ${formatDuration(s.unauthorizedWindowMs)}, held ${formatDuration(s.unauthorizedHoldMs)} until then`,
    `max_key_actions_per_client: ${s.maxKeyActionsPerClient}/min`,
    `server_errors: ${s.serverErrorThreshold} in a row cool a key down for ${formatDuration(s.serverErrorCooldownMs)}`,
  ];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A base URL may carry credentials (https://user:pass@host); never print them. */
function safeUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return url;
  parsed.username = parsed.username === "" ? "" : "***";
  parsed.password = parsed.password === "" ? "" : "***";
  return parsed.toString();
}
