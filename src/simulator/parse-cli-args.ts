import { parseArgs } from "node:util";
import type { SimulatorKeyOptions, SimulatorOptions } from "./types.js";

export const cliUsage = `Usage: node dist/src/simulator/main.js [options]

Runs the local LLM provider simulator until interrupted and prints its URL.

  --host HOST              listen address (default 127.0.0.1)
  --port PORT              listen port (default 0: any free port)
  --keys A,B,...           accepted secrets (or set KEYPOOL_SIMULATOR_KEYS, which keeps them out of ps)
  --rpm N --tpm N --rpd N  limits of every key (default unlimited)
  --window-ms MS           length of the rate "minute" (default 60000)
  --completion-tokens N    tokens per completion (default 16)
  --latency-ms MS          base latency of every response (default 0)
  --jitter-ms MS           extra random latency in [0, MS) (default 0)
  --ttft-ms MS             time to first token (default 0)
  --per-token-ms MS        time between tokens (default 0)
  --help                   this text
`;

export type CliParse = { kind: "run"; options: SimulatorOptions } | { kind: "help" } | { kind: "error"; message: string };

/** Turns argv (without node and script) and the environment into simulator options; never echoes a secret. */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliParse {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        keys: { type: "string" },
        rpm: { type: "string" },
        tpm: { type: "string" },
        rpd: { type: "string" },
        "window-ms": { type: "string" },
        "completion-tokens": { type: "string" },
        "latency-ms": { type: "string" },
        "jitter-ms": { type: "string" },
        "ttft-ms": { type: "string" },
        "per-token-ms": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    // parseArgs names the option, never its value.
    return { kind: "error", message: error instanceof Error ? error.message : "invalid arguments" };
  }
  if (values.help === true) return { kind: "help" };

  const secrets = (values.keys ?? env["KEYPOOL_SIMULATOR_KEYS"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (secrets.length === 0) return { kind: "error", message: "no keys: pass --keys A,B or set KEYPOOL_SIMULATOR_KEYS" };
  if (new Set(secrets).size !== secrets.length) return { kind: "error", message: "--keys: a key is listed twice" };

  const numbers: Record<string, number | undefined> = {};
  const integerFlags = ["port", "rpm", "tpm", "rpd", "completion-tokens"];
  for (const name of [...integerFlags, "window-ms", "latency-ms", "jitter-ms", "ttft-ms", "per-token-ms"]) {
    const raw = (values as Record<string, string | boolean | undefined>)[name];
    if (typeof raw !== "string") continue;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || (integerFlags.includes(name) && !Number.isInteger(value))) {
      return { kind: "error", message: `--${name}: expected a non-negative ${integerFlags.includes(name) ? "integer" : "number"}` };
    }
    numbers[name] = value;
  }

  const limits: SimulatorKeyOptions = {};
  if (numbers["rpm"] !== undefined) limits.rpm = numbers["rpm"];
  if (numbers["tpm"] !== undefined) limits.tpm = numbers["tpm"];
  if (numbers["rpd"] !== undefined) limits.rpd = numbers["rpd"];
  const options: SimulatorOptions = {
    keys: Object.fromEntries(secrets.map((secret) => [secret, { ...limits }])),
    latency: {},
  };
  if (values.host !== undefined) options.host = values.host;
  if (numbers["port"] !== undefined) options.port = numbers["port"];
  if (numbers["window-ms"] !== undefined) options.windowMs = numbers["window-ms"];
  if (numbers["completion-tokens"] !== undefined) options.completionTokens = numbers["completion-tokens"];
  const latency = options.latency ?? {};
  if (numbers["latency-ms"] !== undefined) latency.baseMs = numbers["latency-ms"];
  if (numbers["jitter-ms"] !== undefined) latency.jitterMs = numbers["jitter-ms"];
  if (numbers["ttft-ms"] !== undefined) latency.timeToFirstTokenMs = numbers["ttft-ms"];
  if (numbers["per-token-ms"] !== undefined) latency.perTokenMs = numbers["per-token-ms"];
  return { kind: "run", options };
}
