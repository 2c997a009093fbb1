import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";

export interface FleetProviderOptions {
  /** Secrets are `${secretPrefix}000N`, ids `kN`. */
  readonly secretPrefix: string;
  readonly keys: number;
  /** Requests each key may make per window, in the simulator and in keypool's configuration alike. */
  readonly perKey: number;
  readonly windowMs: number;
  /** keypool's window margin: how late a request may reach the provider after its lease and still count in the window keypool saw. */
  readonly marginMs: number;
}

/**
 * The provider simulator enforcing per-key limits, and a keypool config file
 * (in a temp directory) naming the same keys with the same limits: what a
 * fleet of `keypool serve` processes runs against in the end-to-end tests.
 */
export async function startFleetProvider(o: FleetProviderOptions): Promise<{ sim: Simulator; configFile: string }> {
  const secret = (i: number) => `${o.secretPrefix}000${i + 1}`;
  const sim = await startSimulator({
    keys: Object.fromEntries(Array.from({ length: o.keys }, (_, i) => [secret(i), { rpm: o.perKey, label: `k${i + 1}` }])),
    windowMs: o.windowMs,
    latency: { baseMs: 5, jitterMs: 20 },
  });
  const configFile = join(mkdtempSync(join(tmpdir(), "keypool-fleet-")), "keypool.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      openai: {
        base_url: `${sim.url}/v1`,
        limits: [{ requests: o.perKey, per: `${o.windowMs}ms` }],
        keys: Array.from({ length: o.keys }, (_, i) => ({ key: secret(i), id: `k${i + 1}` })),
      },
      settings: { window_margin: o.marginMs / o.windowMs, window_margin_max: `${o.marginMs}ms` },
    }),
  );
  return { sim, configFile };
}
