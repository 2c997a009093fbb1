/**
 * A V8 CPU profile (the `.cpuprofile` JSON of `node --cpu-prof` or of the
 * inspector's Profiler.stop) reduced to what a reader of the benchmark needs:
 * where the busy time went, by function and by package, by self time.
 */

/** The parts of a `.cpuprofile` this summary reads. */
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  /** Node id of each sample, in order. */
  readonly samples?: readonly number[];
  /** µs before each sample (the first one: since startTime). */
  readonly timeDeltas?: readonly number[];
}

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface SummaryOptions {
  /** Repository folder: file URLs under it are shown relative to it. */
  readonly root?: string | undefined;
  /** Functions listed, largest first (default 30). */
  readonly top?: number | undefined;
  /** The profiler's sampling interval: CPU time per sample (default 1 ms). */
  readonly intervalMs?: number | undefined;
  /** Samples before this time (ms from the profile's start) are left out. */
  readonly fromMs?: number | undefined;
  /** Samples after this time are left out. */
  readonly toMs?: number | undefined;
}

export interface FunctionSelfTime {
  /** `name (where:line)`, the line 1-based. */
  readonly function: string;
  readonly package: string;
  readonly selfMs: number;
  /** Of the busy time (all but idle). */
  readonly percent: number;
}

export interface PackageSelfTime {
  readonly package: string;
  readonly selfMs: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Wall time the summary covers. */
  readonly durationMs: number;
  /** Samples not idle (JavaScript, native code, garbage collection), times the sampling interval: about the CPU time. */
  readonly busyMs: number;
  readonly gcMs: number;
  readonly top: readonly FunctionSelfTime[];
  readonly byPackage: readonly PackageSelfTime[];
}

/** V8's pseudo-frames: not functions of any package. */
const IDLE = "(idle)";
const GC = "(garbage collector)";

/**
 * Self time per function (name, file and line: one function however many
 * call paths reach it) and per package. Each sample counts as one sampling
 * interval of CPU time (`intervalMs`, 1 ms as both profilers here are set),
 * not as the wall time until the next sample as DevTools shows it: on a
 * shared machine the process is often descheduled, and that wall time would
 * land on whatever function it resumed in. URLs are shown relative to `root`
 * (the repository), so the summary names files, not the machine's folders.
 * `fromMs`/`toMs` (wall time from the profile's start) keep only the samples
 * taken under load, leaving out a process's start-up and warm-up.
 */
export function summarizeCpuProfile(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const intervalUs = (options.intervalMs ?? 1) * 1000;
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const fromUs = (options.fromMs ?? 0) * 1000;
  const toUs = options.toMs === undefined ? Infinity : options.toMs * 1000;
  let windowUs = profile.endTime - profile.startTime;
  if (samples.length > 0 && deltas.length === samples.length) {
    let at = 0;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] as number;
      if (at < fromUs || at > toUs) continue;
      const id = samples[i] as number;
      hits.set(id, (hits.get(id) ?? 0) + 1);
    }
    windowUs = Math.max(0, Math.min(windowUs, toUs) - fromUs);
  } else {
    // No sample list (nor times): the nodes' hit counts, over the whole profile.
    for (const n of profile.nodes) if ((n.hitCount ?? 0) > 0) hits.set(n.id, n.hitCount ?? 0);
  }
  const selfUs = new Map([...hits].map(([id, n]) => [id, n * intervalUs]));

  const functions = new Map<string, { package: string; us: number }>();
  const packages = new Map<string, number>();
  let busyUs = 0;
  let gcUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === IDLE) continue;
    busyUs += us;
    if (frame.functionName === GC) gcUs += us;
    const where = shortUrl(frame.url, options.root);
    const pkg = packageOf(frame.url, frame.functionName);
    const name = where === "" ? frame.functionName || "(anonymous)" : `${frame.functionName || "(anonymous)"} (${where}:${frame.lineNumber + 1})`;
    const entry = functions.get(name) ?? { package: pkg, us: 0 };
    entry.us += us;
    functions.set(name, entry);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const share = (us: number) => (busyUs === 0 ? 0 : round1((us / busyUs) * 100));
  const top = [...functions]
    .sort((a, b) => b[1].us - a[1].us || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.top ?? 30)
    .map(([name, f]) => ({ function: name, package: f.package, selfMs: round1(f.us / 1000), percent: share(f.us) }));
  const byPackage = [...packages]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([pkg, us]) => ({ package: pkg, selfMs: round1(us / 1000), percent: share(us) }));
  return {
    durationMs: round1(windowUs / 1000),
    busyMs: round1(busyUs / 1000),
    gcMs: round1(gcUs / 1000),
    top,
    byPackage,
  };
}

/**
 * Where a function's code comes from: an npm package by name
 * (`@opentelemetry/sdk-metrics`), `node` for Node's own modules, `keypool`
 * for the project's code, or V8's pseudo-frame (`(garbage collector)`,
 * `(program)`) for native time.
 */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node";
  const at = url.lastIndexOf("/node_modules/");
  if (at >= 0) {
    const [scope, name] = url.slice(at + "/node_modules/".length).split("/");
    return scope?.startsWith("@") === true ? `${scope}/${name ?? ""}` : (scope ?? "(unknown)");
  }
  return "keypool";
}

/** A file URL relative to the repository (`dist/src/proxy/proxy-handler.js`); other URLs as they are. */
function shortUrl(url: string, root: string | undefined): string {
  const path = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const at = path.lastIndexOf("/node_modules/");
  if (at >= 0) return path.slice(at + 1);
  if (root !== undefined && path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  return path;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The summary as Markdown: busy time, then the packages and the top functions by self time. */
export function profileMarkdown(title: string, s: ProfileSummary, note: string): string {
  const lines = [
    `# ${title}`,
    "",
    note,
    "",
    `${s.durationMs} ms of wall time sampled: ${s.busyMs} ms busy (not idle; samples × interval), of which garbage collection ${s.gcMs} ms` +
      ` (${s.busyMs === 0 ? 0 : round1((s.gcMs / s.busyMs) * 100)}%). Percentages are of the busy time, by self time.`,
    "",
    "| package | self ms | % |",
    "|---|---:|---:|",
    ...s.byPackage.map((p) => `| ${p.package} | ${p.selfMs} | ${p.percent} |`),
    "",
    "| function | package | self ms | % |",
    "|---|---|---:|---:|",
    ...s.top.map((f) => `| \`${f.function.replace(/\|/g, "\\|")}\` | ${f.package} | ${f.selfMs} | ${f.percent} |`),
    "",
  ];
  return lines.join("\n");
}
