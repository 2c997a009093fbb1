/**
 * Runs every benchmark, one process each, then the charts and summary.
 *
 *   npm run bench                       # builds, then everything (soak: a 60 s version)
 *   node dist/bench/run.js --only goodput,balancer --soak-seconds 120
 *   node dist/bench/run.js --only fleet         # one section alone (the charts and summary follow)
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/args.js";

const opts = parseArgs(process.argv.slice(2), { only: "", soakSeconds: 60 });

interface Step {
  readonly name: string;
  readonly title: string;
  readonly script?: string;
  readonly nodeArgs?: readonly string[];
  readonly args?: readonly string[];
  /** Not runnable yet: printed instead of a result. */
  readonly pending?: string;
}

const steps: Step[] = [
  { name: "goodput", title: "1. goodput under rate limits vs baselines", script: "goodput.js" },
  { name: "broker-overhead", title: "2. broker overhead vs a no-op gRPC server", script: "broker-overhead.js" },
  { name: "balancer", title: "3. balancer alone", script: "balancer.js", nodeArgs: ["--expose-gc"] },
  { name: "proxy", title: "4. proxy vs @portkey-ai/gateway", script: "proxy.js" },
  {
    name: "soak",
    title: `5. soak (short version: ${opts.soakSeconds} s; \`npm run bench:soak\` runs 10 minutes)`,
    script: "soak.js",
    args: ["--duration", String(opts.soakSeconds)],
  },
  { name: "fairness", title: "6. fairness: one client's latency alone and during another's 10,000-call bursts", script: "fairness.js" },
  { name: "fleet", title: "7. fleet: 1, 2 and 4 sidecars over one Redis vs the memory store", script: "fleet.js" },
];

function run(step: Step): Promise<number> {
  const script = fileURLToPath(new URL(`./${step.script ?? ""}`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(step.nodeArgs ?? []), script, ...(step.args ?? [])], { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once("SIGINT", forward);
    process.once("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

const only = new Set(opts.only.split(",").map((s) => s.trim()).filter(Boolean));
const started = Date.now();
const failed: string[] = [];
for (const step of steps) {
  if (only.size > 0 && !only.has(step.name)) continue;
  process.stdout.write(`\n== ${step.title}\n`);
  if (step.pending !== undefined) {
    process.stdout.write(`${step.pending}\n`);
    continue;
  }
  const t = Date.now();
  const code = await run(step);
  process.stdout.write(`-- ${step.name}: ${code === 0 ? "done" : `FAILED (exit ${code})`} in ${Math.round((Date.now() - t) / 1000)} s\n`);
  if (code !== 0) failed.push(step.name);
}
process.stdout.write("\n== charts and summary\n");
if ((await run({ name: "chart", title: "charts", script: "chart.js" })) !== 0) failed.push("chart");
process.stdout.write(
  `\nbench: ${Math.round((Date.now() - started) / 1000)} s in all; results in bench/results/ (summary.md, *.json, *.svg)` +
    `${failed.length > 0 ? `; FAILED: ${failed.join(", ")}` : ""}\n`,
);
process.exitCode = failed.length > 0 ? 1 : 0;
