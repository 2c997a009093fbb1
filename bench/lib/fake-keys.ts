import { defaultSettings, type KeyConfig, type PoolConfig, type PoolSettings, type WindowLimit } from "../../src/config/types.js";

/** Limits of each benchmark key, in the pool's terms. */
export interface BenchKeyLimits {
  readonly rpm?: number | undefined;
  readonly tpm?: number | undefined;
  readonly windows?: readonly WindowLimit[] | undefined;
  readonly maxConcurrent?: number | undefined;
}

/** An obviously fake secret for key `i` (1-based), the same in the pool and the simulator. */
export function fakeSecret(i: number, prefix = "sk-bench"): string {
  return `${prefix}-${String(i).padStart(6, "0")}`;
}

/** The pool configuration for `n` fake keys of one provider, built directly (the loader is not what is measured). */
export function benchPoolConfig(
  n: number,
  options: { provider?: string; limits?: BenchKeyLimits; baseUrl?: string; settings?: Partial<PoolSettings>; prefix?: string } = {},
): PoolConfig {
  const provider = options.provider ?? "openai";
  const limits = options.limits ?? {};
  const keys: KeyConfig[] = [];
  for (let i = 1; i <= n; i++) {
    const secret = fakeSecret(i, options.prefix);
    keys.push({
      id: `k${String(i).padStart(6, "0")}`,
      secret,
      masked: `…${secret.slice(-4)}`,
      label: `key ${i}`,
      provider,
      weight: 1,
      rpm: limits.rpm,
      tpm: limits.tpm,
      rpd: undefined,
      maxConcurrent: limits.maxConcurrent,
      windows: limits.windows ?? [],
      models: undefined,
      baseUrl: options.baseUrl,
      enabled: true,
    });
  }
  return {
    providers: new Map([[provider, { name: provider, keys, baseUrl: options.baseUrl }]]),
    settings: { ...defaultSettings, ...options.settings },
    warnings: [],
  };
}
