/**
 * The floor of the low-rate added latency: an open loop of chat completions
 * at a low rate to the simulator directly, through bare-forwarder.mjs, and
 * through `keypool serve --proxy-listen`, in turns, in one process (the
 * client shares it with the simulator, as it does not in bench/proxy.ts: the
 * figures are for comparing the hops with each other). Where socat is
 * installed (Debian's package), also through a socat TCP relay: a hop in C
 * that parses nothing, the machine's floor for any forwarding process.
 * Before the rounds each target gets `warm` requests, 16 at a time, so that
 * the forwarders' code is compiled as it is in a process that has served a
 * while. Prints, per round, each target's p50 and the CPU per request of the
 * forwarding process, user and system (socat's forks are not counted).
 * Needs the build (`npm run build && npx tsc -p bench/tsconfig.json`).
 *
 *   node bench/experiments/proxy-floor.mjs [rate=50] [seconds per turn=4] [rounds=3] [warm=3000]
 */
import { fork, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";

const root = fileURLToPath(new URL("../..", import.meta.url));
const [rate = 50, seconds = 4, rounds = 3, warm = 3000] = process.argv.slice(2).map(Number);
const { spawnKeypoolServe, stopChild } = await import(join(root, "dist/bench/lib/keypool-process.js"));
const { keypoolProxyConfig, chatBody } = await import(join(root, "dist/bench/lib/proxy-workload.js"));
const { fakeSecret } = await import(join(root, "dist/bench/lib/fake-keys.js"));
const { startSimulator } = await import(join(root, "dist/src/simulator/index.js"));
const { drive } = await import(join(root, "dist/bench/lib/load-loop.js"));
const { summarize } = await import(join(root, "dist/bench/lib/percentile.js"));

const secrets = Array.from({ length: 5 }, (_, i) => fakeSecret(i + 1, "sk-bench"));
const sim = await startSimulator({ keys: Object.fromEntries(secrets.map((s) => [s, { rpm: 1e6, tpm: 1e9 }])), windowMs: 60_000, latency: { baseMs: 10 } });
const config = join(mkdtempSync(join(tmpdir(), "keypool-floor-")), "keypool.json");
writeFileSync(config, JSON.stringify(keypoolProxyConfig(secrets, `${sim.url}/v1`, { rpm: 1e6, tpm: 1e9 })), { mode: 0o600 });
const args = ["--listen", "127.0.0.1:0", "--admin-listen", "off", "--proxy-listen", "127.0.0.1:0", "--no-watch", "--config", config];
const { child, serving } = await spawnKeypoolServe(join(root, "dist/src/cli/main.js"), args, [], { ...process.env, KEYPOOL_ADMIN_LISTEN: "off" });
const bare = fork(join(root, "bench/experiments/bare-forwarder.mjs"), [sim.url, secrets[0]]);
const barePort = await new Promise((resolve) => bare.once("message", resolve));

/** A TCP relay to the simulator through socat, when it is installed; its port. */
async function startSocat() {
  if (spawnSync("socat", ["-V"]).status !== 0) return undefined;
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
  const simPort = new URL(sim.url).port;
  const relay = spawn("socat", [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${simPort}`], { stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { relay, port };
}
const socat = await startSocat();

const body = chatBody({ promptChars: 1000, maxTokens: 16, stream: false });
const agent = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
const json = { "content-type": "application/json" };
const targets = {
  direct: { pid: undefined, at: (i) => [`${sim.url}/v1/chat/completions`, { ...json, authorization: `Bearer ${secrets[i % 5]}` }] },
  bare: { pid: bare.pid, at: () => [`http://127.0.0.1:${barePort}/v1/chat/completions`, json] },
  keypool: { pid: child.pid, at: () => [`http://${serving.proxy}/openai/v1/chat/completions`, { ...json, authorization: "Bearer sk-client" }] },
};
if (socat !== undefined) {
  targets.socat = { pid: undefined, at: (i) => [`http://127.0.0.1:${socat.port}/v1/chat/completions`, { ...json, authorization: `Bearer ${secrets[i % 5]}` }] };
}

/** User and system CPU of a process so far, ms; undefined for none. */
function cpuOf(pid) {
  if (pid === undefined) return undefined;
  // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms; the name before them may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** The `i`-th request to one target, read to its end. */
async function send(name, i) {
  const [url, headers] = targets[name].at(i);
  const res = await request(url, { method: "POST", headers, body, dispatcher: agent });
  await res.body.text();
}

/** `count` requests to one target, 16 at a time. */
async function warmUp(name, count) {
  let i = 0;
  const worker = async () => {
    while (i < count) await send(name, i++);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The benchmarks' own open loop at `rate` for `secs` seconds against one target: its p50 (ms) and the user and system CPU per request of its process (µs). */
async function openLoop(name, secs) {
  const target = targets[name];
  const latencies = [];
  let i = 0;
  const cpu0 = cpuOf(target.pid);
  const start = performance.now();
  await drive({ mode: "open", concurrency: 0, rate }, start, start + secs * 1000, async (scheduledAt) => {
    await send(name, i++);
    latencies.push(performance.now() - scheduledAt);
  });
  const cpu1 = cpuOf(target.pid);
  const per = (ms) => (ms * 1000) / latencies.length;
  const cpu = cpu0 === undefined ? undefined : { user: per(cpu1.user - cpu0.user), system: per(cpu1.system - cpu0.system) };
  return { p50: summarize(latencies).p50, cpu };
}

for (const name of Object.keys(targets)) {
  await warmUp(name, warm);
  await openLoop(name, 1);
}
for (let r = 0; r < rounds; r++) {
  const d = await openLoop("direct", seconds);
  const parts = [`direct p50 ${d.p50.toFixed(2)} ms`];
  for (const name of Object.keys(targets).filter((n) => n !== "direct")) {
    const x = await openLoop(name, seconds);
    const added = x.p50 - d.p50;
    const cpu = x.cpu === undefined ? "" : `, CPU/request ${x.cpu.user.toFixed(0)} µs user + ${x.cpu.system.toFixed(0)} µs system`;
    parts.push(`${name} ${added < 0 ? "-" : "+"}${Math.abs(added).toFixed(2)} ms${cpu}`);
  }
  console.log(parts.join(" | "));
}
bare.kill();
socat?.relay.kill();
await stopChild(child);
await sim.close();
process.exit(0);
