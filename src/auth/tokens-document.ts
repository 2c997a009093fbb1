import { z } from "zod";
import { interpolateDocument, type Env } from "../config/interpolate.js";
import { jsonSyntaxMessage } from "../config/parse-config-document.js";
import { problemAt, type Problem } from "../config/problem.js";
import { redactAll } from "../config/redact.js";
import { parseWith } from "../config/zod-problems.js";
import { ClientRegistry, sha256, type RegisteredClient } from "./client-registry.js";

export type TokensResult = { ok: true; registry: ClientRegistry; warnings: string[] } | { ok: false; errors: string[] };

/** Shorter tokens are guessable; 16 characters of a random token is the floor, as for API keys. */
const MIN_TOKEN_LENGTH = 16;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const PROVIDER = /^([a-z0-9_-]{1,64}|\*)$/;

const clientSchema = z.strictObject({
  name: z.string().regex(NAME, 'expected 1 to 64 letters, digits, ".", "_" or "-"'),
  token: z.string().min(MIN_TOKEN_LENGTH, `expected a token of at least ${MIN_TOKEN_LENGTH} characters`).max(4096, "token too long").optional(),
  token_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "expected 64 hexadecimal characters").optional(),
  certificate_cn: z.string().min(1).max(256).optional(),
  providers: z.array(z.string().regex(PROVIDER, 'expected a provider name or "*"')).min(1, "expected at least one provider, or \"*\""),
  admin: z.boolean().optional(),
  stats: z.boolean().optional(),
  trusted: z.boolean().optional(),
});

const documentSchema = z.strictObject({
  clients: z.array(clientSchema).min(1, "expected at least one client"),
});

/**
 * Parses the tokens file: `{"clients": [{"name", "token" | "token_sha256" |
 * "certificate_cn", "providers": [...] | ["*"], "admin", "stats", "trusted"}]}` with `${VAR}`
 * interpolation. Errors name the place and never the token.
 */
export function parseTokensDocument(text: string, env: Env, source = "tokens file"): TokensResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, errors: [jsonSyntaxMessage(text, source)] };
  }
  const interpolated = interpolateDocument(raw, env);
  const problems: Problem[] = [...interpolated.problems];
  const parsed = parseWith(documentSchema, interpolated.value, []);
  if (!parsed.ok) problems.push(...parsed.problems);
  const clients: RegisteredClient[] = [];
  if (parsed.ok) {
    const names = new Set<string>();
    const digests = new Set<string>();
    for (const [i, c] of parsed.value.clients.entries()) {
      const at = ["clients", i];
      const ways = [c.token, c.token_sha256, c.certificate_cn].filter((v) => v !== undefined).length;
      if (c.token !== undefined && c.token_sha256 !== undefined) {
        problems.push(problemAt(at, 'give "token" or "token_sha256", not both'));
        continue;
      }
      if (ways === 0) {
        problems.push(problemAt(at, 'expected "token", "token_sha256" or "certificate_cn"'));
        continue;
      }
      if (names.has(c.name)) problems.push(problemAt([...at, "name"], "another client has this name"));
      names.add(c.name);
      const digest = c.token !== undefined ? sha256(c.token) : c.token_sha256 !== undefined ? Buffer.from(c.token_sha256, "hex") : undefined;
      if (digest !== undefined) {
        const hex = digest.toString("hex");
        if (digests.has(hex)) problems.push(problemAt(at, "another client has the same token"));
        digests.add(hex);
      }
      clients.push({
        name: c.name,
        tokenSha256: digest,
        certificateCn: c.certificate_cn,
        providers: c.providers.includes("*") ? undefined : new Set(c.providers),
        admin: c.admin ?? false,
        stats: c.stats ?? false,
        trusted: c.trusted ?? false,
      });
    }
  }
  if (problems.length > 0) {
    // Tokens are secrets too: scrub any that a message might carry.
    const tokens = parsed.ok ? parsed.value.clients.flatMap((c) => (c.token === undefined ? [] : [c.token])) : [];
    return { ok: false, errors: redactAll(problems.map((p) => p.message), tokens) };
  }
  return { ok: true, registry: new ClientRegistry(clients), warnings: [] };
}

