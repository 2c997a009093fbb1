import { z } from "zod";
import type { WindowLimit } from "./types.js";
import {
  booleanish,
  duration,
  fraction,
  httpUrl,
  keyId,
  label,
  MAX_TIMER_MS,
  positiveInt,
  positiveNumber,
  secret,
} from "./field-schemas.js";
import { parseNested } from "./zod-problems.js";
import { modelsField, scopeName, scopesField } from "./limit-schemas.js";
import { secretProblem, splitKeyList } from "./secret-check.js";

/**
 * The JSON config document, section by section. Objects are strict so that
 * a typo ("rmp") is an error rather than a silently ignored limit.
 */

/** `{"requests": 10, "per": "10s"}` or `{"tokens": 50000, "per": "1m"}`. */
const windowLimit = z
  .strictObject({
    requests: positiveInt.optional(),
    tokens: positiveInt.optional(),
    per: duration(),
  })
  .transform((w, ctx): WindowLimit => {
    if (w.requests !== undefined && w.tokens === undefined) return { kind: "requests", limit: w.requests, perMs: w.per };
    if (w.tokens !== undefined && w.requests === undefined) return { kind: "tokens", limit: w.tokens, perMs: w.per };
    ctx.addIssue({ code: "custom", message: 'expected exactly one of "requests" or "tokens"' });
    return z.NEVER;
  });

/** Settings a key may set for itself and a provider may set for all its keys. */
const keySettings = {
  weight: positiveNumber.optional(),
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  rpd: positiveInt.optional(),
  max_concurrent: positiveInt.optional(),
  limits: z.array(windowLimit).optional(),
  models: modelsField.optional(),
  /** The scope (under the provider's `scopes`) whose quota the key shares. */
  scope: scopeName.optional(),
  base_url: httpUrl.optional(),
  enabled: booleanish.optional(),
  /** A key disabled by a 401/403 is rechecked by the sidecar with the provider's model listing, not by a caller's lease. */
  probe: booleanish.optional(),
};

export type KeySettingsDoc = z.output<z.ZodObject<typeof keySettings>>;

const keyObject = z.strictObject({
  key: secret,
  id: keyId.optional(),
  label: label.optional(),
  ...keySettings,
});

export type KeyEntryDoc =
  | { readonly kind: "list"; readonly secrets: readonly string[] }
  | ({ readonly kind: "object" } & z.output<typeof keyObject>);

/**
 * An entry of `keys`: a string (possibly "k1,k2", as an interpolated env
 * list usually is) or an object with a `key` and its own settings. A union
 * would report both alternatives' failures; dispatching on the JSON type
 * gives one precise message.
 */
const keyEntry = z.unknown().transform((input, ctx): KeyEntryDoc => {
  if (typeof input === "string") {
    const secrets = splitKeyList(input);
    for (const [i, s] of secrets.entries()) {
      const reason = secretProblem(s);
      if (reason !== undefined) {
        ctx.addIssue({ code: "custom", message: secrets.length > 1 ? `key ${i + 1} of ${secrets.length}: ${reason}` : reason });
      }
    }
    return { kind: "list", secrets };
  }
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    return { kind: "object", ...parseNested(keyObject, input, ctx) };
  }
  ctx.addIssue({ code: "custom", message: 'expected a key string or an object with a "key" field' });
  return z.NEVER;
});

export const providerSchema = z.strictObject({
  keys: z.array(keyEntry).min(1, "expected at least one key"),
  scopes: scopesField.optional(),
  ...keySettings,
});

export type ProviderDoc = z.output<typeof providerSchema>;

/** Everything that arms a timer is capped below setTimeout's overflow. */
const timer = duration({ maxMs: MAX_TIMER_MS });

export const settingsSchema = z.strictObject({
  lease_ttl: timer.optional(),
  max_lease_ttl: timer.optional(),
  max_wait: duration({ allowZero: true, maxMs: MAX_TIMER_MS }).optional(),
  window_margin: fraction(0.5).optional(),
  window_margin_max: duration({ allowZero: true, maxMs: MAX_TIMER_MS }).optional(),
  backoff_initial: timer.optional(),
  backoff_max: timer.optional(),
  quota_cooldown: timer.optional(),
  unauthorized_recheck: timer.optional(),
  max_rate_limit_cooldown: timer.optional(),
  max_quota_cooldown: timer.optional(),
  unauthorized_quorum: positiveInt.optional(),
  unauthorized_window: timer.optional(),
  unauthorized_hold: timer.optional(),
  max_key_actions_per_client: positiveInt.optional(),
  server_error_cooldown: timer.optional(),
  server_error_threshold: positiveInt.optional(),
  max_open_leases_per_client: positiveInt.optional(),
  acquire_rate_per_client: positiveNumber.optional(),
  max_waiting_per_provider: positiveInt.optional(),
  spend_recheck: timer.optional(),
  /** The memory store's state file, read at start (a path; --state-file and KEYPOOL_STATE_FILE take precedence). */
  state_file: z.string().min(1).max(4096).optional(),
  state_interval: timer.optional(),
  /** Where the pool's state lives: memory (default) or a redis:// / rediss:// URL (--store and KEYPOOL_STORE take precedence). */
  store: z.string().min(1).max(4096).optional(),
  /** Prefix of every Redis key, so that pools can share one Redis (--store-prefix and KEYPOOL_STORE_PREFIX take precedence). */
  store_prefix: z.string().min(1).max(64).optional(),
  /** What a sidecar does while the shared store is unreachable (--store-failure and KEYPOOL_STORE_FAILURE take precedence). */
  store_failure: z.enum(["local", "closed"]).optional(),
});

export type SettingsDoc = z.output<typeof settingsSchema>;

/** Provider names appear in metrics labels and paths: keep them plain. */
export const PROVIDER_NAME = /^[a-z0-9_-]{1,64}$/;
export const SETTINGS_FIELD = "settings";
