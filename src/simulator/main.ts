/**
 * CLI entry of the provider simulator:
 *   node dist/src/simulator/main.js --port 8787 --keys sk-test-a,sk-test-b --rpm 10
 * Prints the URL on stdout, runs until SIGINT/SIGTERM, then prints per-label
 * totals on stderr. Secrets are never printed.
 */
import { cliUsage, parseCliArgs } from "./parse-cli-args.js";
import { startSimulator } from "./start-simulator.js";

const parsed = parseCliArgs(process.argv.slice(2), process.env);
if (parsed.kind === "help") {
  process.stdout.write(cliUsage);
} else if (parsed.kind === "error") {
  process.stderr.write(`simulator: ${parsed.message}\n\n${cliUsage}`);
  process.exitCode = 2;
} else {
  try {
    const simulator = await startSimulator(parsed.options);
    const keyCount = Object.keys(parsed.options.keys).length;
    process.stdout.write(`${simulator.url}\n`);
    process.stderr.write(`simulator: listening on ${simulator.url} with ${keyCount} key(s); Ctrl-C to stop\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      const { byLabel, unknownKeyRequests } = simulator.stats();
      for (const [label, s] of Object.entries(byLabel)) {
        process.stderr.write(
          `simulator: ${label}: ${s.requests} requests, ${s.successes} ok, ${s.rateLimited} rate-limited, ${s.unauthorized} unauthorized, ${s.promptTokens + s.completionTokens} tokens, ${s.backgroundRequests} from background load\n`,
        );
      }
      process.stderr.write(`simulator: ${unknownKeyRequests} requests with an unknown or missing key\n`);
      void simulator.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`simulator: could not start${code === undefined ? "" : ` (${code})`}: ${error instanceof Error ? error.message : "unknown error"}\n`);
    process.exitCode = 1;
  }
}
