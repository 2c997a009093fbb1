/**
 * The demo's five fake keys. Obviously fake secrets: they exist only in the
 * demo's simulator and are never printed (the table shows masked keys).
 */

export interface DemoKey {
  readonly id: string;
  readonly secret: string;
  /** Requests per demo window the simulated provider really allows. */
  readonly providerLimit: number;
}

/** The demo's "minute": limits apply per this many milliseconds, so a minute of demo shows ten windows. */
export const DEMO_WINDOW_MS = 6_000;

/** Requests per window keypool is told each key may make. */
export const DEMO_CONFIGURED_LIMIT = 60;

/** Key 5's provider allows fewer requests than configured, as when another application shares the key. */
export const DEMO_KEYS: readonly DemoKey[] = [
  { id: "demo-1", secret: "sk-demo-not-a-real-key-0000000000000001", providerLimit: DEMO_CONFIGURED_LIMIT },
  { id: "demo-2", secret: "sk-demo-not-a-real-key-0000000000000002", providerLimit: DEMO_CONFIGURED_LIMIT },
  { id: "demo-3", secret: "sk-demo-not-a-real-key-0000000000000003", providerLimit: DEMO_CONFIGURED_LIMIT },
  { id: "demo-4", secret: "sk-demo-not-a-real-key-0000000000000004", providerLimit: DEMO_CONFIGURED_LIMIT },
  { id: "demo-5", secret: "sk-demo-not-a-real-key-0000000000000005", providerLimit: 10 },
];

/**
 * The configuration document the demo's sidecar runs on, the same format as a
 * `--config` file: every key limited to 60 requests per 6 s, the window margin
 * scaled with the window (100 ms on 6 s, like 1 s on a minute).
 */
export function demoConfigDocument(simulatorUrl: string): string {
  return JSON.stringify({
    openai: {
      base_url: `${simulatorUrl}/v1`,
      limits: [{ requests: DEMO_CONFIGURED_LIMIT, per: `${DEMO_WINDOW_MS / 1000}s` }],
      keys: DEMO_KEYS.map((k) => ({ key: k.secret, id: k.id, label: k.id })),
    },
    settings: { window_margin_max: "100ms", max_wait: "10s" },
  });
}
