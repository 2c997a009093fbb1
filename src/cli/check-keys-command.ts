import { parseDuration } from "../config/duration.js";
import { redactAll } from "../config/redact.js";
import type { PoolConfig } from "../config/types.js";
import { readConfig } from "../keypool-server.js";
import { invalidArgument } from "../protocol/keypool-error.js";
import { probeKey } from "../provider-http/key-probe.js";
import { countVerdicts, renderKeyChecks, type KeyCheck } from "./key-check-report.js";
import { printError } from "./print-errors.js";

export interface CheckKeysOptions {
  config?: string;
  envFile?: string;
  provider: string[];
  timeout: string;
  json?: boolean;
}

/** Keys probed at once: enough to be quick, few enough not to look like a burst to a provider. */
const PARALLEL_PROBES = 4;

/**
 * `keypool check-keys`: probes every configured key (or those of --provider)
 * with its API's model listing and prints, per key, whether it is valid,
 * invalid (with the provider's reason, masked), rate limited or could not be
 * checked, and the limits the answer stated. Exit code 1 when a key is
 * invalid, 3 when none is but some could not be checked, else 0.
 */
export async function checkKeysCommand(opts: CheckKeysOptions): Promise<void> {
  try {
    const timeoutMs = parseDuration(opts.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw invalidArgument(`--timeout ${JSON.stringify(opts.timeout)}: expected a duration such as 10s`);
    const config = await readConfig({ configFile: opts.config, envFile: opts.envFile, env: process.env });
    const keys = selectKeys(config, opts.provider);
    const secrets = [...config.providers.values()].flatMap((p) => p.keys.map((k) => k.secret));
    const checks = await inBatches(keys, PARALLEL_PROBES, async ({ provider, key, baseUrl }): Promise<KeyCheck> => ({
      provider,
      keyId: key.id,
      masked: key.masked,
      enabled: key.enabled,
      result: await probeKey({ provider, secret: key.secret, baseUrl }, { timeoutMs, secrets }),
    }));
    const now = Date.now();
    process.stdout.write(opts.json === true ? jsonReport(checks, secrets) : renderKeyChecks(checks, now, secrets));
    const counts = countVerdicts(checks);
    process.exitCode = counts.invalid > 0 ? 1 : counts.unchecked > 0 ? 3 : 0;
  } catch (err) {
    process.exitCode = printError(err);
  }
}

function selectKeys(config: PoolConfig, providers: readonly string[]) {
  const configured = [...config.providers.keys()];
  for (const name of providers) {
    if (!config.providers.has(name)) throw invalidArgument(`--provider ${JSON.stringify(name.slice(0, 64))}: not configured (configured: ${configured.join(", ") || "none"})`);
  }
  const chosen = providers.length === 0 ? configured : configured.filter((name) => providers.includes(name));
  return chosen.flatMap((name) => {
    const provider = config.providers.get(name)!;
    return provider.keys.map((key) => ({ provider: name, key, baseUrl: key.baseUrl ?? provider.baseUrl }));
  });
}

/** Runs `fn` over `items`, at most `width` at a time, keeping their order. */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return results;
}

/** One JSON document; scrubbed of every configured secret like the table. */
function jsonReport(checks: readonly KeyCheck[], secrets: readonly string[]): string {
  return redactAll([JSON.stringify({ keys: checks, counts: countVerdicts(checks) }, null, 2) + "\n"], secrets)[0] ?? "";
}
