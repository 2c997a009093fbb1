import { describeConfig } from "../config/index.js";
import { readConfig } from "../keypool-server.js";
import { printError } from "./print-errors.js";

export async function checkConfigCommand(opts: { config?: string; envFile?: string }): Promise<void> {
  try {
    const config = await readConfig({ configFile: opts.config, envFile: opts.envFile, env: process.env });
    process.stdout.write(describeConfig(config));
  } catch (err) {
    process.exitCode = printError(err);
  }
}
