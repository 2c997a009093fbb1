import { expect } from "vitest";
import type { ConfigResult, KeyConfig, PoolConfig } from "../../src/config/index.js";

/** The config of a result that must have succeeded (shows the errors if not). */
export function okConfig(result: ConfigResult): PoolConfig {
  if (!result.ok) expect.fail(`expected a valid config, got errors:\n${result.errors.join("\n")}`);
  return result.config;
}

/** The errors of a result that must have failed. */
export function errorsOf(result: ConfigResult): string[] {
  if (result.ok) expect.fail("expected errors, got a valid config");
  return result.errors;
}

export function keysOf(config: PoolConfig, provider: string): readonly KeyConfig[] {
  const found = config.providers.get(provider);
  if (found === undefined) expect.fail(`provider ${provider} missing`);
  return found.keys;
}
