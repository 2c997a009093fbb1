import { readFile } from "node:fs/promises";
import { parse as parseDotenv } from "dotenv";
import { configFromEnv } from "./config-from-env.js";
import { type ConfigResult, failure } from "./config-result.js";
import type { Env } from "./interpolate.js";
import { parseConfigDocument } from "./parse-config-document.js";

export interface LoadConfigOptions {
  /** JSON config file; wins over KEYPOOL_CONFIG. When set, env only feeds `${VAR}`. */
  configFile?: string | undefined;
  /** dotenv-syntax file whose values override `env`. Read on every call, so a reload sees edits. */
  envFile?: string | undefined;
  env: Env;
}

/**
 * Reads every source and builds the config: the JSON file when one is named
 * (option or KEYPOOL_CONFIG), else the environment alone. File problems are
 * returned as errors; this never throws.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<ConfigResult> {
  const resolved = await resolveEnv(opts);
  if (!resolved.ok) return failure([resolved.error]);
  const env = resolved.value;

  const configFile = nonEmpty(opts.configFile) ?? nonEmpty(env["KEYPOOL_CONFIG"]);
  if (configFile === undefined) return configFromEnv(env);

  const text = await readText(configFile, "config file");
  if (!text.ok) return failure([text.error]);
  return parseConfigDocument(text.value, env, configFile);
}

/**
 * The environment a config is interpolated from: the process environment
 * overlaid with the env file's values, read now.
 */
export async function resolveEnv(opts: Pick<LoadConfigOptions, "envFile" | "env">): Promise<{ ok: true; value: Env } | { ok: false; error: string }> {
  if (opts.envFile === undefined) return { ok: true, value: opts.env };
  const text = await readText(opts.envFile, "env file");
  if (!text.ok) return text;
  return { ok: true, value: { ...opts.env, ...parseDotenv(text.value) } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

type Read = { ok: true; value: string } | { ok: false; error: string };


async function readText(path: string, what: string): Promise<Read> {
  try {
    return { ok: true, value: await readFile(path, "utf8") };
  } catch (e) {
    return { ok: false, error: `${what} ${path}: ${readFailure(e)}` };
  }
}

// Named reasons for the usual causes; the system message is not used because
// its wording varies by platform and adds nothing to the path already shown.
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "not found",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not found (a parent is not a directory)",
};

function readFailure(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string") return REASONS[code] ?? `could not be read (${code})`;
  return "could not be read";
}
