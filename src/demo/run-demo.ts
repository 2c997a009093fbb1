import { credentials } from "@grpc/grpc-js";
import { KeyPoolServiceClient } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { renderStatsTable } from "../stats-table/stats-table.js";
import { parseConfigDocument } from "../config/index.js";
import { startKeypoolServer, type KeypoolServer } from "../keypool-server.js";
import type { KeyStateName } from "../pool/types.js";
import { startSimulator } from "../simulator/index.js";
import type { Logger } from "../telemetry/logger.js";
import { emptyTally, runDemoClient, type DemoTally } from "./demo-client.js";
import { pushBounded, stateChanges } from "./demo-events.js";
import { DEMO_CONFIGURED_LIMIT, DEMO_KEYS, DEMO_WINDOW_MS, demoConfigDocument } from "./demo-keys.js";

export interface DemoOptions {
  readonly durationMs: number;
  /** The sidecar's gRPC address, so that `keypool stats --target` can watch it too. */
  readonly listen: string;
  readonly out: { write(text: string): unknown };
  /** Redraw the table in place (a terminal); otherwise print it every `refreshMs`. */
  readonly live: boolean;
  /** Stops the demo early (Ctrl-C). */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly clients?: number | undefined;
  readonly refreshMs?: number | undefined;
}

export interface DemoResult {
  readonly elapsedMs: number;
  readonly tally: DemoTally;
  /** Times a key went into cooldown, and came back. */
  readonly cooldowns: number;
  readonly recoveries: number;
}

/** How often the demo looks at key states (a cooldown of a few seconds must not slip through). */
const WATCH_MS = 200;
const EVENTS_SHOWN = 8;

/**
 * `keypool demo`: a provider simulator with five fake keys (windows scaled to
 * 6 s), a keypool sidecar over them on `listen`, and simulated applications
 * leasing keys, calling the simulator and reporting. Shows the statistics
 * table while it runs and a summary at the end. Nothing it prints carries a
 * secret.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const sim = await startSimulator({
    keys: Object.fromEntries(DEMO_KEYS.map((k) => [k.secret, { rpm: k.providerLimit, label: k.id }])),
    windowMs: DEMO_WINDOW_MS,
    latency: { baseMs: 60, jitterMs: 140, seed: 7 },
  });
  let server: KeypoolServer;
  try {
    const parsed = parseConfigDocument(demoConfigDocument(sim.url), {}, "demo configuration");
    if (!parsed.ok) throw new Error(`demo configuration: ${parsed.errors.join("; ")}`);
    server = await startKeypoolServer({ config: parsed.config, listen: o.listen, adminListen: "127.0.0.1:0", adminOptional: true, log: o.log });
  } catch (err) {
    await sim.close();
    throw err;
  }

  const started = Date.now();
  const tally = emptyTally();
  const states = new Map<string, KeyStateName>();
  const events: string[] = [];
  let cooldowns = 0;
  let recoveries = 0;
  const header = headerLines(o.durationMs, server, o.clients ?? 4);
  const status = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return (
      `${s} s of ${Math.round(o.durationMs / 1000)} s · calls ${tally.calls}  ok ${tally.ok}  429s ${tally.rateLimited}` +
      `  refused ${tally.refused}  errors ${tally.errors} · cooldowns ${cooldowns}, recoveries ${recoveries}`
    );
  };
  const table = () => renderStatsTable(server.pool.snapshot()).trimEnd();

  const watch = () => {
    for (const line of stateChanges(states, server.pool.snapshot())) {
      if (line.includes("→ cooling_down")) cooldowns += 1;
      if (line.includes("cooling_down → active")) recoveries += 1;
      pushBounded(events, line, EVENTS_SHOWN);
      if (!o.live) o.out.write(`${line}\n`);
    }
  };
  const draw = () => {
    if (o.live) {
      const screen = [...header, "", table(), "", "recent key state changes:", ...(events.length > 0 ? events : ["  (none yet)"]), "", status()];
      // Home, each line cleared to its end, then everything below: no flicker, no scrollback spam.
      const lines = screen.flatMap((part) => part.split("\n"));
      o.out.write(`\x1b[H${lines.join("\x1b[K\n")}\x1b[K\n\x1b[J`);
    } else {
      o.out.write(`\n${status()}\n${table()}\n`);
    }
  };

  if (o.live) o.out.write("\x1b[2J");
  else o.out.write(`${header.join("\n")}\n`);
  watch();
  draw();
  const watcher = setInterval(watch, WATCH_MS);
  const drawer = setInterval(draw, o.refreshMs ?? (o.live ? 1000 : 5000));

  const stop = new AbortController();
  const grpc = new KeyPoolServiceClient(server.grpcAddress, credentials.createInsecure());
  const clients = Array.from({ length: o.clients ?? 4 }, (_, i) =>
    runDemoClient({ grpc, clientId: `app-${i + 1}`, thinkMs: [100, 300], tally, signal: stop.signal }),
  );

  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, o.durationMs);
    function done() {
      clearTimeout(timer);
      o.signal.removeEventListener("abort", done);
      resolve();
    }
    if (o.signal.aborted) done();
    else o.signal.addEventListener("abort", done, { once: true });
  });

  stop.abort();
  // Calls in progress finish and report (a simulated call takes at most a fraction of a second).
  await Promise.race([Promise.all(clients), new Promise((r) => setTimeout(r, 3000))]);
  clearInterval(watcher);
  clearInterval(drawer);
  watch();
  draw();
  const elapsedMs = Date.now() - started;
  o.out.write(`\n${summaryLine(elapsedMs, tally, cooldowns, recoveries)}\n`);
  grpc.close();
  await server.stop(2000);
  await sim.close();
  return { elapsedMs, tally, cooldowns, recoveries };
}

function headerLines(durationMs: number, server: KeypoolServer, clients: number): string[] {
  const window = `${DEMO_CONFIGURED_LIMIT} requests per ${DEMO_WINDOW_MS / 1000} s`;
  const lines = [
    `keypool demo: ${DEMO_KEYS.length} fake keys against a local provider simulator, ${clients} simulated applications, ` +
      `${Math.round(durationMs / 1000)} s (Ctrl-C stops it). Limits are scaled: ${window} per key.`,
    `  sidecar (gRPC)  ${server.grpcAddress}    watch it from another terminal: npx keypool stats --target ${server.grpcAddress} --watch`,
  ];
  if (server.adminAddress !== undefined) {
    lines.push(`  dashboard       http://${server.adminAddress}/    (open it in a browser; the same statistics as JSON: /v1/stats)`);
  }
  const low = DEMO_KEYS.find((k) => k.providerLimit < DEMO_CONFIGURED_LIMIT);
  if (low !== undefined) {
    lines.push(
      `  ${low.id}'s provider allows only ${low.providerLimit} requests per ${DEMO_WINDOW_MS / 1000} s although it is configured for ` +
        `${DEMO_CONFIGURED_LIMIT} (another app shares it): it gets a 429, cools down for the Retry-After, and comes back.`,
    );
  }
  return lines;
}

function summaryLine(elapsedMs: number, t: DemoTally, cooldowns: number, recoveries: number): string {
  return (
    `keypool demo finished after ${(elapsedMs / 1000).toFixed(1)} s: ${t.calls} calls, ${t.ok} ok, ${t.rateLimited} × 429 ` +
    `(each retried with a new lease), ${t.refused} refused, ${t.errors} errors; ${cooldowns} cooldowns, ${recoveries} recoveries.`
  );
}
