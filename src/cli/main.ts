import { Command, CommanderError, Option } from "commander";
import { checkConfigCommand } from "./check-config-command.js";
import { checkKeysCommand } from "./check-keys-command.js";
import { demoCommand } from "./demo-command.js";
import { keyCommand, KEY_VERBS } from "./key-command.js";
import { reloadCommand } from "./reload-command.js";
import { serveCommand } from "./serve-command.js";
import { statsCommand } from "./stats-command.js";

/** How the commands that talk to a running sidecar authenticate and verify it. */
function sidecarClientOptions(cmd: Command): Command {
  return cmd
    .option("--token-file <file>", "file whose first line is the client token, when the sidecar requires one (or set $KEYPOOL_TOKEN)")
    .option("--token <token>", "client token on the command line: visible to other local users through ps (prefer --token-file or $KEYPOOL_TOKEN)")
    .option("--ca <file>", "PEM CA to verify a TLS sidecar")
    .option("--client-cert <file>", "PEM client certificate for mTLS")
    .option("--client-key <file>", "PEM client key for mTLS");
}

const program = new Command()
  .name("keypool")
  .description("Pool LLM provider API keys behind one gRPC sidecar: least-used first, within every key's limits.")
  .version(process.env.npm_package_version ?? "0.1.0")
  .showHelpAfterError()
  .exitOverride();

program
  .command("serve")
  .description("run the sidecar")
  .option("--listen <addr>", "gRPC listen address: host:port or unix:/path", "127.0.0.1:50051")
  .option("--config <file>", "JSON config file (default: $KEYPOOL_CONFIG; without one, keys come from *_API_KEYS variables)")
  .option("--env-file <file>", "dotenv file whose values take precedence over the environment")
  .addOption(new Option("--grace <seconds>", "time running calls get to finish on shutdown").default("10").argParser(Number))
  .option("--no-watch", "do not reload when the config or env file changes (SIGHUP and ReloadConfig still do)")
  .option("--state-file <file>", "keep the pool's state (windows, day counts, cooldowns, disabled keys) in this file across restarts (default: $KEYPOOL_STATE_FILE)")
  .option("--state-interval <seconds>", "time between saves of the state file (default: $KEYPOOL_STATE_INTERVAL or 5)")
  .option("--store <url>", "where the pool's state lives: memory, or redis://[user:pass@]host:port[/db] (rediss:// for TLS) shared by a fleet of sidecars (default: $KEYPOOL_STORE, the config's store, or memory)")
  .option(
    "--store-failure <mode>",
    "while the shared store is unreachable: local (serve alone with 1/N of every limit, N the sidecars last seen alive) or closed (refuse with UNAVAILABLE) (default: $KEYPOOL_STORE_FAILURE, the config's store_failure, or local)",
  )
  .option("--store-prefix <prefix>", "prefix of every Redis key, so that pools can share one Redis (default: $KEYPOOL_STORE_PREFIX, the config's store_prefix, or keypool:)")
  .option(
    "--admin-listen <addr>",
    "admin HTTP address for /metrics, /healthz, /readyz and /v1/stats: host:port, unix:/path, or off (default: $KEYPOOL_ADMIN_LISTEN or 127.0.0.1:9464)",
  )
  .option(
    "--proxy-listen <addr>",
    "HTTP proxy address (host:port or unix:/path; off unless given): /{provider}/... is forwarded to the provider with a pooled key, e.g. an OpenAI SDK's baseURL http://ADDR/openai/v1",
  )
  .option("--tokens-file <file>", "client tokens (JSON): callers must authenticate, scoped to providers (default: $KEYPOOL_TOKENS_FILE)")
  .option("--tls-cert <file>", "PEM certificate chain: TLS on the gRPC and admin listeners (and the proxy when it runs)")
  .option("--tls-key <file>", "PEM private key for --tls-cert")
  .option("--tls-client-ca <file>", "PEM CA bundle: require client certificates signed by it (mTLS)")
  .option("--metrics-open", "serve /metrics without the admin token when tokens are configured")
  .addOption(
    new Option("--socket-mode <octal>", "file mode of a unix: socket listener").default("600").argParser((v) => parseInt(v, 8)),
  )
  .option("--insecure", "allow a non-loopback listener without TLS or client tokens (anyone who can connect can lease keys)")
  .action(serveCommand);

program
  .command("check-config")
  .description("validate the configuration and print each provider's keys (masked)")
  .option("--config <file>", "JSON config file (default: $KEYPOOL_CONFIG)")
  .option("--env-file <file>", "dotenv file whose values take precedence over the environment")
  .action(checkConfigCommand);

program
  .command("check-keys")
  .description("probe every key with its provider's model listing: valid, invalid (why, masked), rate limited, and the limits the provider states; exit 1 when a key is invalid")
  .option("--config <file>", "JSON config file (default: $KEYPOOL_CONFIG; without one, keys come from *_API_KEYS variables)")
  .option("--env-file <file>", "dotenv file whose values take precedence over the environment")
  .option("--provider <name>", "only this provider (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option("--timeout <duration>", "longest wait for each key's answer", "10s")
  .option("--json", "print JSON")
  .action(checkKeysCommand);

sidecarClientOptions(program.command("reload"))
  .description("make a running sidecar re-read its configuration (or apply a JSON document) and print the diff")
  .option("--target <addr>", "the sidecar's gRPC address", "127.0.0.1:50051")
  .option("--config-json <file>", "apply this JSON document instead of re-reading the sources (the sidecar's file is not rewritten)")
  .option("--json", "print the result as JSON")
  .action(reloadCommand);

sidecarClientOptions(program.command("key"))
  .description(`act on one key of a running sidecar, as an administrator: ${Object.keys(KEY_VERBS).join(", ")}`)
  .argument("<action>", Object.keys(KEY_VERBS).join(" | "))
  .argument("<key-id>", "the key's id, as keypool stats shows it")
  .option("--provider <name>", "the key's provider (default: the one provider with a key of this id)")
  .option("--reason <text>", "why, at most 200 characters; shown in statistics, the log and the history")
  .option("--address <addr>", "the sidecar's gRPC address (same as --target)")
  .option("--target <addr>", "the sidecar's gRPC address", "127.0.0.1:50051")
  .option("--json", "print the result as JSON")
  .action(keyCommand);

sidecarClientOptions(program.command("stats"))
  .description("show each provider's keys: state, load against limits, latency, 429s, errors and the balance ratio")
  .option("--target <addr>", "the sidecar's gRPC address", "127.0.0.1:50051")
  .option("--provider <name>", "only this provider (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option("--interval <duration>", "time between snapshots with --watch", "1s")
  .option("--watch", "keep the table on screen, refreshed every interval")
  .option("--json", "print JSON (one document; one line per snapshot with --watch)")
  .action(statsCommand);

program
  .command("demo")
  .description("see keypool work without a real key: five fake keys, a local provider simulator, simulated apps and the live table")
  .addOption(new Option("--duration <seconds>", "how long the demo runs").default("60").argParser(Number))
  .option("--listen <addr>", "the demo sidecar's gRPC address (port 0 picks a free one)", "127.0.0.1:0")
  .action(demoCommand);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else throw err;
}
