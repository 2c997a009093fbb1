import { parseArgs } from "node:util";
import { parseModelLimit } from "./parse-model-limit.js";
import type { SimulatorKeyLimits, SimulatorKeyOptions, SimulatorLimits, SimulatorOptions } from "./types.js";

/** The one project the CLI can configure; every key is in it when any --project-* flag is given. */
const cliProject = "shared";

export const cliUsage = `Usage: node dist/src/simulator/main.js [options]

Runs the local LLM provider simulator until interrupted and prints its URL.

  --host HOST              listen address (default 127.0.0.1)
  --port PORT              listen port (default 0: any free port)
  --keys A,B,...           accepted secrets (or set KEYPOOL_SIMULATOR_KEYS, which keeps them out of ps)
  --rpm N --tpm N --rpd N  limits of every key (default unlimited)
  --model-limit M:rpm=N,tpm=N,rpd=N
                           limits of every key for model M, on top of the general ones (repeatable)
  --project-rpm N --project-tpm N --project-rpd N
                           limits all keys share, as one Gemini project or OpenAI organization
  --project-model-limit M:rpm=N,...
                           shared limits for model M (repeatable)
  --background-rpm N       other traffic on every key, N requests per window (default none)
  --background-tokens N    tokens each of those uses (default 0)
  --window-ms MS           length of the rate "minute" (default 60000)
  --day-reset MODE         how rpd counts: sliding (1440 windows, default) or midnight-pacific (Gemini's calendar day)
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
        "model-limit": { type: "string", multiple: true },
        "project-rpm": { type: "string" },
        "project-tpm": { type: "string" },
        "project-rpd": { type: "string" },
        "project-model-limit": { type: "string", multiple: true },
        "background-rpm": { type: "string" },
        "background-tokens": { type: "string" },
        "window-ms": { type: "string" },
        "day-reset": { type: "string" },
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
  const integerFlags = ["port", "rpm", "tpm", "rpd", "completion-tokens", "project-rpm", "project-tpm", "project-rpd", "background-tokens"];
  for (const name of [...integerFlags, "window-ms", "latency-ms", "jitter-ms", "ttft-ms", "per-token-ms", "background-rpm"]) {
    const raw = (values as Record<string, string | boolean | undefined>)[name];
    if (typeof raw !== "string") continue;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || (integerFlags.includes(name) && !Number.isInteger(value))) {
      return { kind: "error", message: `--${name}: expected a non-negative ${integerFlags.includes(name) ? "integer" : "number"}` };
    }
    numbers[name] = value;
  }

  const keyModels = modelLimits(values["model-limit"], "--model-limit");
  if (typeof keyModels === "string") return { kind: "error", message: keyModels };
  const projectModels = modelLimits(values["project-model-limit"], "--project-model-limit");
  if (typeof projectModels === "string") return { kind: "error", message: projectModels };

  const limits: SimulatorKeyOptions = { ...limitsFrom(numbers, ""), ...keyModels };
  const project: SimulatorKeyLimits = { ...limitsFrom(numbers, "project-"), ...projectModels };
  const shared = Object.keys(project).length > 0;
  if (shared) limits.project = cliProject;
  if (numbers["background-rpm"] !== undefined) {
    limits.background = { rpm: numbers["background-rpm"] };
    if (numbers["background-tokens"] !== undefined) limits.background.tokensPerRequest = numbers["background-tokens"];
  }
  const options: SimulatorOptions = {
    keys: Object.fromEntries(secrets.map((secret) => [secret, { ...limits }])),
    latency: {},
  };
  if (shared) options.projects = { [cliProject]: project };
  const dayReset = values["day-reset"];
  if (dayReset !== undefined) {
    if (dayReset !== "sliding" && dayReset !== "midnight-pacific") return { kind: "error", message: "--day-reset: expected sliding or midnight-pacific" };
    options.dayReset = dayReset;
  }
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

function limitsFrom(numbers: Record<string, number | undefined>, prefix: string): SimulatorLimits {
  const limits: SimulatorLimits = {};
  for (const name of ["rpm", "tpm", "rpd"] as const) {
    const value = numbers[`${prefix}${name}`];
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

function modelLimits(values: string[] | undefined, flag: string): { models?: Record<string, SimulatorLimits> } | string {
  if (values === undefined || values.length === 0) return {};
  const models: Record<string, SimulatorLimits> = {};
  for (const value of values) {
    const parsed = parseModelLimit(value, flag);
    if (typeof parsed === "string") return parsed;
    models[parsed[0]] = parsed[1];
  }
  return { models };
}
