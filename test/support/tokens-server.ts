import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startKeypoolServer, type KeypoolServer, type KeypoolServerOptions } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { tempDir } from "../reload/support.js";

/**
 * A server started from a config file and a tokens file written into a fresh
 * private folder, as an operator would run it; `dir` holds both.
 */
export async function startWithTokensFile(
  tokens: unknown,
  config: unknown,
  options: Partial<KeypoolServerOptions> = {},
): Promise<{ server: KeypoolServer; dir: string }> {
  const dir = tempDir();
  writeFileSync(join(dir, "tokens.json"), JSON.stringify(tokens), { mode: 0o600 });
  writeFileSync(join(dir, "keypool.json"), JSON.stringify(config), { mode: 0o600 });
  const server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    configFile: join(dir, "keypool.json"),
    tokensFile: join(dir, "tokens.json"),
    env: {},
    log: silentLogger(),
    ...options,
  });
  return { server, dir };
}
