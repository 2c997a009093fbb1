import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { procCpuMs } from "./proxy-workload.js";

/** Every child started, so that none outlives the benchmark whatever happens. */
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** A child the benchmark started: killed with SIGKILL if the benchmark exits before stopping it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(t);
      children.delete(child);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The "keypool serving" log line of a `keypool serve` process: the addresses it listens on. */
export interface ServingEntry {
  readonly grpc: string;
  readonly proxy: string;
}

/**
 * Spawns `node [nodeArgs] <cli> serve <args>` and resolves once its
 * "keypool serving" line arrives, with the child and the addresses of that
 * line. Error lines of its log are passed on to stderr; the rest is dropped.
 */
export async function spawnKeypoolServe(
  cli: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; serving: ServingEntry }> {
  const child = track(spawn(process.execPath, [...nodeArgs, cli, "serve", ...args], { stdio: ["ignore", "pipe", "inherit"], env }));
  try {
    const serving = await new Promise<ServingEntry>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const timer = setTimeout(() => reject(new Error("keypool did not report serving within 15 s")), 15_000);
      lines.on("line", (line) => {
        let entry: { msg?: unknown; grpc?: unknown; proxy?: unknown; level?: unknown };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          return;
        }
        if (entry.msg === "keypool serving" && typeof entry.grpc === "string") {
          clearTimeout(timer);
          resolve({ grpc: entry.grpc, proxy: typeof entry.proxy === "string" ? entry.proxy : "off" });
        } else if (typeof entry.level === "number" && entry.level >= 50) {
          process.stderr.write(`keypool: ${line}\n`);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`keypool exited with ${code} before serving`));
      });
    });
    return { child, serving };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** User + system CPU time of a process so far, in ms, from /proc; undefined when it cannot be read. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return procCpuMs(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}
