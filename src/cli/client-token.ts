import { readFileSync } from "node:fs";

export interface TokenOptions {
  /** Token on the command line: visible to every local user through `ps`. */
  token?: string;
  /** File holding the token (its first line); the preferred way. */
  tokenFile?: string;
}

export type TokenResult =
  | { ok: true; token: string | undefined; warning: string | undefined }
  | { ok: false; error: string };

export const TOKEN_ARGUMENT_WARNING =
  "keypool: warning: --token is visible to other local users through ps and /proc; use --token-file or KEYPOOL_TOKEN";

/**
 * The client token a command sends: --token-file, else --token (with a
 * warning), else KEYPOOL_TOKEN. Errors never quote the token or the file's
 * content, only the option and the path.
 */
export function resolveClientToken(opts: TokenOptions, env: NodeJS.ProcessEnv, read = (path: string) => readFileSync(path, "utf8")): TokenResult {
  if (opts.token !== undefined && opts.tokenFile !== undefined) return { ok: false, error: "give --token-file or --token, not both" };
  if (opts.tokenFile !== undefined) {
    let text: string;
    try {
      text = read(opts.tokenFile);
    } catch {
      return { ok: false, error: `--token-file ${opts.tokenFile}: cannot be read` };
    }
    const token = text.split(/\r?\n/, 1)[0]?.trim() ?? "";
    if (token === "") return { ok: false, error: `--token-file ${opts.tokenFile}: the first line is empty` };
    return { ok: true, token, warning: undefined };
  }
  if (opts.token !== undefined) {
    if (opts.token === "") return { ok: false, error: "--token: empty" };
    return { ok: true, token: opts.token, warning: TOKEN_ARGUMENT_WARNING };
  }
  const fromEnv = env["KEYPOOL_TOKEN"];
  return { ok: true, token: fromEnv === undefined || fromEnv === "" ? undefined : fromEnv, warning: undefined };
}
