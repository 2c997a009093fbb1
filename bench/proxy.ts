/**
 * Benchmark 4: keypool's HTTP proxy against @portkey-ai/gateway.
 *
 * The same provider simulator (5 keys, limits far above what the run sends,
 * a fixed latency), the same keys and the same chat completion requests, in
 * the same run, through three targets:
 *   - direct: the load generator calls the simulator itself, rotating over the
 *     keys (the ceiling: no proxy at all);
 *   - keypool: `keypool serve --proxy-listen` as a real child process (the CLI
 *     of dist/src/cli/main.js with a JSON config file), `/openai/v1/...`;
 *   - portkey: @portkey-ai/gateway's own Node server (build/start-server.js)
 *     as a child process, `/v1/...` with an `x-portkey-config` header that
 *     load-balances over the same keys, each with the simulator as custom host.
 * The load generator runs in a forked process of its own (proxy-load.js).
 * Workload: open loops at a low rate, non-streamed and streamed (the latency
 * each proxy adds), closed loops at fixed concurrencies (throughput and
 * latency under load), and a closed loop of streamed completions. Targets take
 * turns, scenario by scenario. CPU time of each proxy process is read from
 * /proc, per request. Any failed request is counted, and makes the exit code 2.
 * Then, unless --profile-ms is 0, a separate keypool process under
 * `--cpu-prof` takes the closed loop at the highest concurrency, and its
 * profile's summary (top functions by self time) is written beside the
 * results as `<name>-profile.md` and `.json`.
 *
 *   node dist/bench/proxy.js [--concurrency 16,64] [--low-rate 50] [--stream-concurrency 16]
 *       [--warmup-ms 2000] [--duration-ms 10000] [--prewarm-ms 4000] [--rounds 1] [--latency-ms 10] [--prompt-chars 1000]
 *       [--targets direct,keypool,portkey] [--keypool-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *       [--portkey-node-args "..."] [--profile-ms 10000] [--keypool-cli dist/src/cli/main.js] [--name proxy]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { parseArgs, sleep } from "./lib/args.js";
import { fakeSecret } from "./lib/fake-keys.js";
import { median, round, type LatencyUs } from "./lib/percentile.js";
import {
  addedLatency,
  chatBody,
  checkChatAnswer,
  imbalance,
  keypoolProxyConfig,
  portkeyLoadBalanceConfig,
} from "./lib/proxy-workload.js";
import { machine, repoRoot, writeResult } from "./lib/results.js";
import { readProfileDir, writeProfileSummary } from "./lib/cpu-profile-files.js";
import type { ProxyScenarioResult } from "./lib/report.js";
import type { ProxyLoadJob, ProxyLoadResult } from "./proxy-load.js";
import { runInFork } from "./lib/load-loop.js";
import { cpuMs, spawnKeypoolServe, stopChild, track } from "./lib/keypool-process.js";

const opts = parseArgs(process.argv.slice(2), {
  keys: 5,
  concurrency: "16,64",
  lowRate: 50,
  streamConcurrency: 16,
  warmupMs: 2000,
  durationMs: 10_000,
  /** Closed-loop traffic through each proxy before the first scenario, not measured (half non-streamed, half streamed). */
  prewarmMs: 4000,
  rounds: 1,
  latencyMs: 10,
  promptChars: 1000,
  maxTokens: 16,
  /** Per key, in keypool and the simulator alike: far above the run, so that the checks run but never bind. */
  rpm: 1_000_000,
  tpm: 1_000_000_000,
  targets: "direct,keypool,portkey",
  /** Extra node options for the keypool process, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
  keypoolNodeArgs: "",
  /** The same for the @portkey-ai/gateway process. */
  portkeyNodeArgs: "",
  /** The keypool CLI to run, relative to the repository (another build's, for a before/after on the same machine). */
  keypoolCli: join("dist", "src", "cli", "main.js"),
  /** Load on a profiled keypool process after the measured runs; 0: no profile. */
  profileMs: 10_000,
  /** Result file name under bench/results/ (without .json). */
  name: "proxy",
});

type TargetName = "direct" | "keypool" | "portkey";

const LOADER = fileURLToPath(new URL("./proxy-load.js", import.meta.url));
const ROOT = repoRoot();
const KEYPOOL_CLI = resolve(ROOT, opts.keypoolCli);
const GATEWAY_DIR = join(ROOT, "node_modules", "@portkey-ai", "gateway");
const GATEWAY_SCRIPT = join(GATEWAY_DIR, "build", "start-server.js");

interface Target {
  readonly name: TargetName;
  readonly label: string;
  readonly url: string;
  readonly headers: readonly Record<string, string>[];
  /** The proxy's process (none for direct). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Runs one job in a fresh load-generator process. */
function load(job: ProxyLoadJob): Promise<ProxyLoadResult> {
  return runInFork<ProxyLoadJob, ProxyLoadResult>(LOADER, job);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `keypool serve --proxy-listen 127.0.0.1:0` with a config file of the keys; resolves with the proxy's address from its "keypool serving" log line. */
async function startKeypool(secrets: readonly string[], simUrl: string, extraNodeArgs: readonly string[] = []): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "keypool-bench-proxy-"));
  const configFile = join(dir, "keypool.json");
  writeFileSync(configFile, JSON.stringify(keypoolProxyConfig(secrets, `${simUrl}/v1`, { rpm: opts.rpm, tpm: opts.tpm })), { mode: 0o600 });
  const nodeArgs = [...opts.keypoolNodeArgs.split(" ").filter(Boolean), ...extraNodeArgs];
  const args = ["--listen", "127.0.0.1:0", "--admin-listen", "off", "--proxy-listen", "127.0.0.1:0", "--no-watch", "--config", configFile];
  const { child, serving } = await spawnKeypoolServe(KEYPOOL_CLI, args, nodeArgs, { ...process.env, KEYPOOL_ADMIN_LISTEN: "off" });
  const proxy = serving.proxy;
  return {
    name: "keypool",
    label: "keypool serve --proxy-listen",
    url: `http://${proxy}/openai/v1/chat/completions`,
    // Without --tokens-file the proxy takes any client credential; an SDK always sends one.
    headers: [{ "content-type": "application/json", authorization: "Bearer sk-client-not-a-key" }],
    pid: child.pid,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @portkey-ai/gateway's Node server on a free port; resolves once it answers. */
async function startPortkey(secrets: readonly string[], simUrl: string): Promise<Target> {
  if (!existsSync(GATEWAY_SCRIPT)) throw new Error(`${GATEWAY_SCRIPT} not found: install the devDependencies (npm ci), or leave portkey out with --targets direct,keypool`);
  const port = await freePort();
  // --headless: no UI routes (the log middleware runs anyway). Its banner goes nowhere.
  const nodeArgs = opts.portkeyNodeArgs.split(" ").filter(Boolean);
  const child = track(spawn(process.execPath, [...nodeArgs, GATEWAY_SCRIPT, `--port=${port}`, "--headless"], { stdio: ["ignore", "ignore", "inherit"] }));
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`@portkey-ai/gateway exited with ${code}`))));
  exited.catch(() => undefined);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await Promise.race([request(`http://127.0.0.1:${port}/`), exited]);
      const text = await res.body.text();
      if (res.statusCode === 200 && text.includes("AI Gateway")) break;
    } catch (err) {
      if (child.exitCode !== null) throw err;
    }
    if (Date.now() > deadline) throw new Error("@portkey-ai/gateway did not answer within 20 s");
    await sleep(100);
  }
  const config = JSON.stringify(portkeyLoadBalanceConfig(secrets, `${simUrl}/v1`));
  return {
    name: "portkey",
    label: `@portkey-ai/gateway ${gatewayVersion()} (loadbalance)`,
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: [{ "content-type": "application/json", "x-portkey-config": config }],
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

function directTarget(secrets: readonly string[], simUrl: string): Target {
  return {
    name: "direct",
    label: "direct to the simulator (round-robin over the keys)",
    url: `${simUrl}/v1/chat/completions`,
    headers: secrets.map((s) => ({ "content-type": "application/json", authorization: `Bearer ${s}` })),
    pid: undefined,
    stop: () => Promise.resolve(),
  };
}

function gatewayVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(GATEWAY_DIR, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "not installed";
  }
}

function rssMB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : round(Number(m[1]) / 1024, 1);
  } catch {
    return undefined;
  }
}

/** A scenario is what its result records, before the targets are measured. */
type Scenario = Omit<ProxyScenarioResult, "targets" | "addedLatencyUs">;

/** One measured run of one target in one scenario. */
interface Run extends ProxyLoadResult {
  readonly round: number;
  readonly scenario: string;
  readonly target: TargetName;
  /** Requests that reached the simulator during the run, warm-up included. */
  readonly upstreamRequests: number;
  readonly upstream429s: number;
  /** Requests per key at the simulator, in key order. */
  readonly perKey: number[];
  /** CPU time of the proxy process per upstream request, µs (undefined for direct or without /proc). */
  readonly proxyCpuUsPerRequest: number | undefined;
  /** The proxy process's CPU time over the run's wall time: 1 is one core fully busy. */
  readonly proxyCpuCores: number | undefined;
  /** The simulator's (the benchmark main process's) CPU per upstream request, µs. */
  readonly simulatorCpuUsPerRequest: number;
}

async function measure(
  sim: Simulator,
  secrets: readonly string[],
  target: Target,
  scenario: Scenario,
  body: string,
  roundNo: number,
  durationMs = opts.durationMs,
): Promise<Run> {
  sim.reset();
  const cpu0 = cpuMs(target.pid);
  const sim0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await load({
    url: target.url,
    headers: target.headers,
    body,
    stream: scenario.stream,
    mode: scenario.mode,
    concurrency: scenario.concurrency,
    rate: scenario.rate,
    warmupMs: opts.warmupMs,
    durationMs,
  });
  const wallMs = performance.now() - t0;
  const cpu1 = cpuMs(target.pid);
  const simCpu = process.cpuUsage(sim0);
  const stats = sim.stats();
  const upstreamRequests = stats.totals.requests;
  const proxyCpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  return {
    ...result,
    round: roundNo,
    scenario: scenario.name,
    target: target.name,
    upstreamRequests,
    upstream429s: stats.totals.rateLimited,
    perKey: secrets.map((s) => stats.keys[s]?.requests ?? 0),
    proxyCpuUsPerRequest: proxyCpu === undefined || upstreamRequests === 0 ? undefined : round((proxyCpu * 1000) / upstreamRequests, 1),
    proxyCpuCores: proxyCpu === undefined ? undefined : round(proxyCpu / wallMs, 2),
    simulatorCpuUsPerRequest: upstreamRequests === 0 ? Number.NaN : round((simCpu.user + simCpu.system) / upstreamRequests, 1),
  };
}

/** The runs of one target in one scenario, over the rounds: medians of the measures, sums of the counts. */
function combine(runs: readonly Run[]): Record<string, unknown> {
  const med = (f: (r: Run) => number | undefined) => {
    const values = runs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length === 0 ? undefined : round(median(values), 1);
  };
  const lat = (f: (r: Run) => LatencyUs): LatencyUs => ({
    p50: med((r) => f(r).p50) ?? Number.NaN,
    p90: med((r) => f(r).p90) ?? Number.NaN,
    p99: med((r) => f(r).p99) ?? Number.NaN,
    max: Math.max(...runs.map((r) => f(r).max)),
    mean: med((r) => f(r).mean) ?? Number.NaN,
  });
  const errorReasons: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.errorReasons)) errorReasons[k] = (errorReasons[k] ?? 0) + v;
  const perKey = runs[0]?.perKey.map((_, i) => runs.reduce((s, r) => s + (r.perKey[i] ?? 0), 0)) ?? [];
  return {
    rounds: runs.length,
    ok: runs.reduce((s, r) => s + r.ok, 0),
    requestsPerSecond: med((r) => r.requestsPerSecond) ?? 0,
    latencyUs: lat((r) => r.latencyUs),
    firstByteUs: lat((r) => r.firstByteUs),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    errorReasons,
    firstError: runs.find((r) => r.firstError !== undefined)?.firstError,
    unfinished: runs.reduce((s, r) => s + r.unfinished, 0),
    upstream429s: runs.reduce((s, r) => s + r.upstream429s, 0),
    perKey,
    keyImbalance: round(imbalance(perKey), 3),
    proxyCpuUsPerRequest: med((r) => r.proxyCpuUsPerRequest),
    proxyCpuCores: med((r) => r.proxyCpuCores),
    simulatorCpuUsPerRequest: med((r) => r.simulatorCpuUsPerRequest),
  };
}

function line(label: string, r: Run): string {
  const errs = r.errors > 0 ? `  ${r.errors} ERRORS (${Object.entries(r.errorReasons).map(([k, v]) => `${v} × ${k}`).join(", ")})` : "";
  const cpu = r.proxyCpuUsPerRequest === undefined ? "" : `  cpu ${r.proxyCpuUsPerRequest} µs/req (${r.proxyCpuCores} cores)`;
  return (
    `  ${label.padEnd(10)} ${r.requestsPerSecond.toFixed(1).padStart(8)} req/s  p50 ${(r.latencyUs.p50 / 1000).toFixed(2)} ms  ` +
    `p99 ${(r.latencyUs.p99 / 1000).toFixed(2)} ms${cpu}  keys ${r.perKey.join("/")}${r.upstream429s > 0 ? `  ${r.upstream429s} × 429` : ""}${errs}\n`
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const startMachine = machine();
  const loadStart = loadavg().map((v) => round(v, 2));
  const names = opts.targets.split(",").map((s) => s.trim()).filter((s): s is TargetName => s === "direct" || s === "keypool" || s === "portkey");
  const secrets = Array.from({ length: opts.keys }, (_, i) => fakeSecret(i + 1, "sk-bench"));
  const sim = await startSimulator({
    keys: Object.fromEntries(secrets.map((s, i) => [s, { rpm: opts.rpm, tpm: opts.tpm, label: `key-${i + 1}` }])),
    windowMs: 60_000,
    latency: { baseMs: opts.latencyMs },
  });
  const targets: Target[] = [];
  try {
    for (const name of names) {
      if (name === "direct") targets.push(directTarget(secrets, sim.url));
      else if (name === "keypool") targets.push(await startKeypool(secrets, sim.url));
      else targets.push(await startPortkey(secrets, sim.url));
    }
    // One request through each, checked, before anything is measured.
    for (const stream of [false, true]) {
      for (const t of targets) {
        const res = await request(t.url, { method: "POST", headers: t.headers[0] ?? {}, body: chatBody({ promptChars: opts.promptChars, maxTokens: opts.maxTokens, stream }) });
        const text = await res.body.text();
        const problem = checkChatAnswer(res.statusCode, text, stream);
        if (problem !== undefined) throw new Error(`${t.name}${stream ? " (streamed)" : ""}: ${problem}: ${text.slice(0, 300)}`);
      }
    }

    const scenarios: Scenario[] = [
      { name: "low-load", title: `open loop at ${opts.lowRate} req/s (added latency)`, mode: "open", stream: false, concurrency: 0, rate: opts.lowRate },
      ...(opts.streamConcurrency > 0
        ? [
            {
              name: "low-load-stream",
              title: `streamed, open loop at ${opts.lowRate} req/s (added latency)`,
              mode: "open",
              stream: true,
              concurrency: 0,
              rate: opts.lowRate,
            } satisfies Scenario,
          ]
        : []),
      ...opts.concurrency
        .split(",")
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0)
        .map((c): Scenario => ({ name: `closed-${c}`, title: `closed loop, ${c} in flight`, mode: "closed", stream: false, concurrency: c, rate: 0 })),
      ...(opts.streamConcurrency > 0
        ? [
            {
              name: `stream-closed-${opts.streamConcurrency}`,
              title: `streamed, closed loop, ${opts.streamConcurrency} in flight`,
              mode: "closed",
              stream: true,
              concurrency: opts.streamConcurrency,
              rate: 0,
            } satisfies Scenario,
          ]
        : []),
    ];
    process.stdout.write(
      `proxy: ${targets.map((t) => t.label).join(" | ")}\n` +
        `proxy: ${opts.keys} keys, simulator latency ${opts.latencyMs} ms, prompt ${opts.promptChars} chars, max_tokens ${opts.maxTokens}; ` +
        `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured per run, ${opts.rounds} round(s); load average ${loadStart.join(" ")}\n`,
    );
    // Both proxies get traffic before anything is measured, so that the first scenario does not pay for their JIT warm-up.
    let prewarmErrors = 0;
    if (opts.prewarmMs > 0) {
      for (const t of targets) {
        if (t.pid === undefined) continue;
        for (const stream of [false, true]) {
          const warm = await load({
            url: t.url,
            headers: t.headers,
            body: chatBody({ promptChars: opts.promptChars, maxTokens: opts.maxTokens, stream }),
            stream,
            mode: "closed",
            concurrency: 16,
            rate: 0,
            warmupMs: 0,
            durationMs: opts.prewarmMs / 2,
          });
          if (warm.errors > 0) process.stdout.write(`  ${t.name} warm-up${stream ? " (streamed)" : ""}: ${warm.errors} ERRORS (${warm.firstError ?? ""})\n`);
          prewarmErrors += warm.errors;
        }
      }
    }
    const runs: Run[] = [];
    for (let r = 1; r <= opts.rounds; r++) {
      for (const scenario of scenarios) {
        process.stdout.write(`${scenario.title}${opts.rounds > 1 ? ` (round ${r})` : ""}\n`);
        const body = chatBody({ promptChars: opts.promptChars, maxTokens: opts.maxTokens, stream: scenario.stream });
        // The order rotates between rounds, so that no target is always measured first (or last).
        const order = targets.map((_, i) => targets[(i + r - 1) % targets.length] as Target);
        for (const t of order) {
          const run = await measure(sim, secrets, t, scenario, body, r);
          runs.push(run);
          process.stdout.write(line(t.name, run));
        }
      }
    }
    const rss = Object.fromEntries(targets.filter((t) => t.pid !== undefined).map((t) => [t.name, rssMB(t.pid)]));
    const results = scenarios.map((s) => {
      const byTarget = Object.fromEntries(
        targets.map((t) => [t.name, combine(runs.filter((run) => run.target === t.name && run.scenario === s.name))]),
      ) as Record<TargetName, ReturnType<typeof combine>>;
      const direct = byTarget.direct as { latencyUs: LatencyUs } | undefined;
      const added: Record<string, { p50: number; p99: number }> = {};
      if (direct !== undefined) {
        for (const t of targets) {
          if (t.name === "direct") continue;
          added[t.name] = addedLatency((byTarget[t.name] as { latencyUs: LatencyUs }).latencyUs, direct.latencyUs);
        }
      }
      return { ...s, targets: byTarget, addedLatencyUs: added };
    });
    const errors = runs.reduce((n, r) => n + r.errors, 0) + prewarmErrors;
    const file = writeResult(opts.name, {
      benchmark: "proxy",
      startedAt: new Date(started).toISOString(),
      elapsedSeconds: round((Date.now() - started) / 1000, 1),
      machine: startMachine,
      loadAverage: { start: loadStart, end: loadavg().map((v) => round(v, 2)) },
      setup: {
        keys: opts.keys,
        secrets: `${fakeSecret(1, "sk-bench")} … ${fakeSecret(opts.keys, "sk-bench")} (fake)`,
        simulator: {
          process: "the benchmark's main process (startSimulator)",
          latencyMs: opts.latencyMs,
          rpmPerKey: opts.rpm,
          tpmPerKey: opts.tpm,
          windowMs: 60_000,
        },
        request: {
          route: "POST chat completions (OpenAI format)",
          promptChars: opts.promptChars,
          maxTokens: opts.maxTokens,
          bodyBytes: Buffer.byteLength(chatBody({ promptChars: opts.promptChars, maxTokens: opts.maxTokens, stream: false })),
        },
        loadGenerator: "a forked process (proxy-load.js), undici Agent with keep-alive, one connection per request in flight",
        keypool: `node ${opts.keypoolCli} serve --listen 127.0.0.1:0 --admin-listen off --proxy-listen 127.0.0.1:0 --no-watch --config <file> (keys with the rpm/tpm above)`,
        portkey: {
          package: "@portkey-ai/gateway",
          version: gatewayVersion(),
          command: "node node_modules/@portkey-ai/gateway/build/start-server.js --port=<free port> --headless",
          config: 'x-portkey-config: {"strategy":{"mode":"loadbalance"},"targets":[{"provider":"openai","api_key":"<key i>","custom_host":"<simulator>/v1"} × keys]}',
        },
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        prewarmMs: opts.prewarmMs,
        rounds: opts.rounds,
        lowRate: opts.lowRate,
        targets: Object.fromEntries(targets.map((t) => [t.name, t.label])),
      },
      proxyRssMBAtEnd: rss,
      /** Failed requests of the whole run: the measured runs (warm-up included) and the proxies' warm-up before them. */
      errors,
      prewarmErrors,
      scenarios: results,
      runs,
    });
    process.stdout.write(`proxy: wrote ${file}${errors > 0 ? `; ${errors} FAILED REQUESTS: see errorReasons` : ""}\n`);
    if (errors > 0) process.exitCode = 2;
    if (opts.profileMs > 0 && names.includes("keypool")) await profileKeypool(secrets, sim);
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await sim.close();
  }
}

/** Time after the load generator's warm-up before profile samples count: its process takes a moment to start. */
const PROFILE_SETTLE_MS = 250;

/**
 * A keypool process of its own under `--cpu-prof`, warmed up, then loaded
 * with the closed loop at the highest concurrency for --profile-ms; its
 * profile (written when it exits) is summarised beside the results.
 */
async function profileKeypool(secrets: readonly string[], sim: Simulator): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "keypool-bench-profile-"));
  const concurrency = Math.max(1, ...opts.concurrency.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0));
  try {
    // The profile starts with the process; the summary keeps the samples of the measured part of the load only.
    const spawned = performance.now();
    const target = await startKeypool(secrets, sim.url, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    let run: Run;
    let window: { fromMs: number; toMs: number };
    try {
      const scenario: Scenario = { name: "profile", title: "profiled", mode: "closed", stream: false, concurrency, rate: 0 };
      const loadFrom = performance.now() - spawned;
      run = await measure(sim, secrets, target, scenario, chatBody({ promptChars: opts.promptChars, maxTokens: opts.maxTokens, stream: false }), 0, opts.profileMs);
      window = { fromMs: loadFrom + opts.warmupMs + PROFILE_SETTLE_MS, toMs: performance.now() - spawned };
    } finally {
      await target.stop();
    }
    process.stdout.write(line("profiled", run));
    const note =
      `keypool serve --proxy-listen under \`node --cpu-prof\` (1 ms sampling), the ${opts.profileMs / 1000} s measured after ` +
      `${opts.warmupMs / 1000} s of warm-up, closed loop with ${concurrency} non-streamed requests in flight: ` +
      `${run.requestsPerSecond} requests/s, ${run.proxyCpuUsPerRequest ?? "?"} µs of CPU per request, ${run.errors} errors. ` +
      `Written by bench/proxy.ts on ${new Date().toISOString()}.`;
    const title = `${opts.name}: CPU profile of keypool's proxy under load`;
    const file = writeProfileSummary(opts.name, readProfileDir(dir), { title, note }, window);
    process.stdout.write(`proxy: wrote ${file}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
