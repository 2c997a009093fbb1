import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { profileMarkdown, summarizeCpuProfile, type CpuProfile, type SummaryOptions } from "./cpu-profile-summary.js";
import { repoRoot, resultsDir, writeResult } from "./results.js";

/**
 * Profiles this process while `run` runs (the inspector's sampling profiler,
 * 1 ms interval as `--cpu-prof` has): for a server that lives in the
 * benchmark's own process.
 */
export async function profileThisProcess<T>(run: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err === null ? resolve(res) : reject(err))));
  try {
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: 1000 });
    await post("Profiler.start");
    let result: T;
    try {
      result = await run();
    } catch (err) {
      await post("Profiler.stop").catch(() => undefined);
      throw err;
    }
    const { profile } = (await post("Profiler.stop")) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The one `.cpuprofile` that `node --cpu-prof --cpu-prof-dir=<dir>` wrote when its process exited. */
export function readProfileDir(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0] as string), "utf8")) as CpuProfile;
}

/**
 * Writes `bench/results/<name>-profile.json` (the summary) and `.md` (its
 * tables) beside the benchmark's results, of the samples in `window` (ms
 * from the profile's start); returns the Markdown's path.
 */
export function writeProfileSummary(
  name: string,
  profile: CpuProfile,
  text: { readonly title: string; readonly note: string },
  window: Pick<SummaryOptions, "fromMs" | "toMs"> = {},
): string {
  const { title, note } = text;
  const summary = summarizeCpuProfile(profile, { root: repoRoot(), ...window });
  writeResult(`${name}-profile`, { title, note, ...summary });
  const file = join(resultsDir(), `${name}-profile.md`);
  writeFileSync(file, profileMarkdown(title, summary, note));
  return file;
}
