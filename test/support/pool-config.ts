import { createHash } from "node:crypto";
import { defaultSettings, type KeyConfig, type PoolConfig, type PoolSettings } from "../../src/config/types.js";

export type TestKey = Partial<Omit<KeyConfig, "secret" | "provider">> & { secret: string };

/** Builds a validated-looking config directly, for core tests that do not exercise parsing. */
export function poolConfig(
  providers: Record<string, TestKey[]>,
  settings: Partial<PoolSettings> = {},
): PoolConfig {
  const map = new Map(
    Object.entries(providers).map(([name, keys]) => [
      name,
      {
        name,
        baseUrl: undefined,
        keys: keys.map((k) => testKey(name, k)),
      },
    ]),
  );
  return { providers: map, settings: { ...defaultSettings, ...settings }, warnings: [] };
}

export function testKey(provider: string, k: TestKey): KeyConfig {
  const id = k.id ?? `k_${createHash("sha256").update(k.secret).digest("hex").slice(0, 10)}`;
  return {
    id,
    secret: k.secret,
    masked: `…${k.secret.slice(-4)}`,
    label: k.label ?? id,
    provider,
    weight: k.weight ?? 1,
    rpm: k.rpm,
    tpm: k.tpm,
    rpd: k.rpd,
    maxConcurrent: k.maxConcurrent,
    windows: k.windows ?? [],
    models: k.models,
    baseUrl: k.baseUrl,
    enabled: k.enabled ?? true,
    ...(k.probe === undefined ? {} : { probe: k.probe }),
    ...(k.scope === undefined ? {} : { scope: k.scope }),
    ...(k.modelLimits === undefined ? {} : { modelLimits: k.modelLimits }),
  };
}

/** n keys with ids k1..kn and obviously fake secrets. */
export function fakeKeys(n: number, extra: Partial<TestKey> = {}): TestKey[] {
  return Array.from({ length: n }, (_, i) => ({
    ...extra,
    id: `k${i + 1}`,
    secret: `sk-test-${String(i + 1).padStart(4, "0")}`,
  }));
}
