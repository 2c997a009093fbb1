import { assembleConfig } from "./assemble-config.js";
import { buildProvider, type KeyDraft } from "./build-provider.js";
import { buildSettings } from "./build-settings.js";
import { type ConfigResult, failure } from "./config-result.js";
import { documentDrafts, probeProblems, scopeProblems } from "./document-drafts.js";
import type { ScopeConfig } from "./types.js";
import { PROVIDER_NAME, providerSchema, SETTINGS_FIELD, type SettingsDoc, settingsSchema } from "./document-schema.js";
import { type Env, interpolateDocument } from "./interpolate.js";
import { findJsonSyntaxError, lineAndColumn } from "./json-syntax-error.js";
import { isWithin, type Problem, problemAt } from "./problem.js";
import { redactAll, secretCandidates } from "./redact.js";
import { parseWith } from "./zod-problems.js";

/**
 * Parses a JSON config document: an object of providers plus an optional
 * "settings" section, with `${VAR}` interpolation from `env`. Returns the
 * frozen config or every problem found; never throws, never echoes a secret.
 *
 * @param source names the document in document-level errors (a path, "inline").
 */
export function parseConfigDocument(text: string, env: Env, source = "inline"): ConfigResult {
  try {
    return parseDocument(text, env, source);
  } catch {
    // A bug must not turn into a crash of the caller (or a message that might
    // quote the input): report it as a failed load instead.
    return failure([`${source}: internal error while reading the config`]);
  }
}

function parseDocument(text: string, env: Env, source: string): ConfigResult {
  // Editors on Windows like to write a byte order mark; JSON.parse does not.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return failure([jsonSyntaxMessage(body, source)]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return failure([`${source}: expected a JSON object of providers at the top level, such as ${EXAMPLE}`]);
  }

  const interpolated = interpolateDocument(raw, env);
  const doc = interpolated.value as Record<string, unknown>;
  const found: Problem[] = [];
  const sections: { name: string; baseUrl: string | undefined; drafts: KeyDraft[]; scopes: Record<string, ScopeConfig> }[] = [];
  let settingsDoc: SettingsDoc | undefined;
  let settingsValid = true;

  for (const [name, section] of Object.entries(doc)) {
    if (name === SETTINGS_FIELD) {
      const parsed = parseWith(settingsSchema, section, [name]);
      if (parsed.ok) settingsDoc = parsed.value;
      else found.push(...parsed.problems);
      settingsValid = parsed.ok;
      continue;
    }
    if (!PROVIDER_NAME.test(name)) {
      found.push(problemAt([name], 'invalid provider name (expected 1 to 64 lowercase letters, digits, "_" or "-")'));
      continue;
    }
    const parsed = parseWith(providerSchema, section, [name]);
    if (!parsed.ok) {
      found.push(...parsed.problems);
      continue;
    }
    found.push(...scopeProblems(name, parsed.value), ...probeProblems(name, parsed.value));
    sections.push({ name, baseUrl: parsed.value.base_url, drafts: documentDrafts(name, parsed.value), scopes: parsed.value.scopes ?? {} });
  }

  // Built after all sections are read: an id or label must not contain the
  // key of any provider, not only its own.
  const allSecrets = new Set(sections.flatMap((s) => s.drafts.map((d) => d.secret)));
  const built = sections.map(({ name, baseUrl, drafts, scopes }) => buildProvider(name, baseUrl, drafts, allSecrets, scopes));
  found.push(...built.flatMap((b) => b.problems));

  const { settings, problems: settingsProblems } = buildSettings(settingsDoc);
  if (settingsValid) found.push(...settingsProblems);

  // A string whose variable is missing was interpolated as empty; whatever
  // the schema says about that placeholder is noise next to the real cause.
  const problems = [
    ...interpolated.problems,
    ...found.filter((p) => !interpolated.failedPaths.some((failed) => isWithin(p.path, failed))),
  ];
  const secrets = [...secretCandidates(raw), ...secretCandidates(doc)];
  if (problems.length > 0) return failure(redactAll(problems.map((p) => p.message), secrets));

  const warnings = redactAll(built.flatMap((b) => b.warnings), secrets);
  const config = assembleConfig(built.map((b) => b.provider), settings, warnings);
  if (config === undefined) return failure([`${source}: no API keys configured; expected providers such as ${EXAMPLE}`]);
  return { ok: true, config };
}

const EXAMPLE = '{"openai": {"keys": ["${OPENAI_API_KEYS}"]}}';

/** `source: invalid JSON at line L, column C: reason`, without quoting the text. */
export function jsonSyntaxMessage(text: string, source: string): string {
  if (text.trim() === "") return `${source}: invalid JSON at line 1, column 1: the document is empty`;
  const error = findJsonSyntaxError(text);
  if (error === undefined) return `${source}: invalid JSON`;
  const { line, column } = lineAndColumn(text, error.offset);
  return `${source}: invalid JSON at line ${line}, column ${column}: ${error.reason}`;
}
