/**
 * The floor of the low-rate added latency: an open loop of chat completions
 * at a low rate to the simulator directly, through bare-forwarder.mjs, and
 * through `keypool serve --proxy-listen`, in turns, in one process (the
 * client shares it with the simulator, as it does not in bench/proxy.ts: the
 * figures are for comparing the hops with each other). Prints, per round,
 * each target's p50 and the CPU per request of the forwarding process.
 * Needs the build (`npm run build && npx tsc -p bench/tsconfig.json`).
 *
 *   node bench/experiments/proxy-floor.mjs [rate=50] [seconds per turn=4] [rounds=3]
 */
import { fork } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";

const root = fileURLToPath(new URL("../..", import.meta.url));
const [rate = 50, seconds = 4, rounds = 3] = process.argv.slice(2).map(Number);
const { spawnKeypoolServe, stopChild, cpuMs } = await import(join(root, "dist/bench/lib/keypool-process.js"));
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

const body = chatBody({ promptChars: 1000, maxTokens: 16, stream: false });
const agent = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
const json = { "content-type": "application/json" };
const targets = {
  direct: { pid: undefined, at: (i) => [`${sim.url}/v1/chat/completions`, { ...json, authorization: `Bearer ${secrets[i % 5]}` }] },
  bare: { pid: bare.pid, at: () => [`http://127.0.0.1:${barePort}/v1/chat/completions`, json] },
  keypool: { pid: child.pid, at: () => [`http://${serving.proxy}/openai/v1/chat/completions`, { ...json, authorization: "Bearer sk-client" }] },
};

/** The benchmarks' own open loop at `rate` for `secs` seconds against one target: its p50 (ms) and the CPU per request of its process (µs). */
async function openLoop(name, secs) {
  const target = targets[name];
  const latencies = [];
  let i = 0;
  const cpu0 = cpuMs(target.pid);
  const start = performance.now();
  await drive({ mode: "open", concurrency: 0, rate }, start, start + secs * 1000, async (scheduledAt) => {
    const [url, headers] = target.at(i++);
    const res = await request(url, { method: "POST", headers, body, dispatcher: agent });
    await res.body.text();
    latencies.push(performance.now() - scheduledAt);
  });
  const cpu = target.pid === undefined ? undefined : ((cpuMs(target.pid) - cpu0) * 1000) / latencies.length;
  return { p50: summarize(latencies).p50, cpu };
}

for (const name of Object.keys(targets)) await openLoop(name, 1);
for (let r = 0; r < rounds; r++) {
  const d = await openLoop("direct", seconds);
  const parts = [`direct p50 ${d.p50.toFixed(2)} ms`];
  for (const name of ["bare", "keypool"]) {
    const x = await openLoop(name, seconds);
    parts.push(`${name} +${(x.p50 - d.p50).toFixed(2)} ms, ${x.cpu?.toFixed(0)} µs CPU/request`);
  }
  console.log(parts.join(" | "));
}
bare.kill();
await stopChild(child);
await sim.close();
process.exit(0);
