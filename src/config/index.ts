/**
 * The config module: sources (env, .env file, JSON file), `${VAR}`
 * interpolation and validation, producing an immutable PoolConfig or a list
 * of precise errors. Nothing here prints or returns a secret.
 */
export type { ConfigResult } from "./config-result.js";
export { parseConfigDocument } from "./parse-config-document.js";
export { configFromEnv } from "./config-from-env.js";
export { loadConfig, resolveEnv, type LoadConfigOptions } from "./load-config.js";
export { keyIdFor } from "./key-id.js";
export { maskSecret } from "./mask-secret.js";
export { describeConfig } from "./describe-config.js";
export { formatDuration, parseDuration } from "./duration.js";
export {
  defaultSettings,
  type KeyConfig,
  type PoolConfig,
  type PoolSettings,
  type ProviderConfig,
  type WindowLimit,
} from "./types.js";
