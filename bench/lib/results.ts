import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, release, arch } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file holding keypool's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "keypool") return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error("bench: cannot find keypool's package.json above " + fileURLToPath(import.meta.url));
}

export function resultsDir(): string {
  const dir = join(repoRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The machine and conditions a result was measured on. */
export interface Machine {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the benchmark started: above ~0.5 means something else was running. */
  readonly loadAverage1m: number;
}

export function machine(): Machine {
  const c = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${release()}`,
    arch: arch(),
    cpus: c.length,
    cpuModel: c[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Writes `bench/results/<name>.json` atomically (a reader never sees half a file); returns its path. */
export function writeResult(name: string, data: unknown): string {
  const file = join(resultsDir(), `${name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n");
  renameSync(tmp, file);
  return file;
}

/** Reads `bench/results/<name>.json`, or undefined when that benchmark has not been run. */
export function readResult<T>(name: string): T | undefined {
  const file = join(resultsDir(), `${name}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as T;
}
