import { describe, expect, it } from "vitest";
import { packageOf, profileMarkdown, summarizeCpuProfile, type CpuProfile } from "../../bench/lib/cpu-profile-summary.js";

const ROOT = "/srv/keypool";
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/**
 * Seven nodes: V8's root, idle and GC frames, an OpenTelemetry function, one
 * keypool function reached by two call paths (two nodes, one function), and
 * a Node internal one that is never sampled.
 */
const profile: CpuProfile = {
  startTime: 0,
  endTime: 1200,
  nodes: [
    { id: 1, callFrame: frame("(root)", "") },
    { id: 2, callFrame: frame("(idle)", "") },
    { id: 3, callFrame: frame("(garbage collector)", "") },
    { id: 4, callFrame: frame("_record", "file:///srv/keypool/node_modules/@opentelemetry/sdk-metrics/build/src/Instruments.js", 41) },
    { id: 5, callFrame: frame("handleProxyRequest", `file://${ROOT}/dist/src/proxy/proxy-handler.js`, 9) },
    { id: 6, callFrame: frame("handleProxyRequest", `file://${ROOT}/dist/src/proxy/proxy-handler.js`, 9) },
    { id: 7, callFrame: frame("writevGeneric", "node:internal/stream_base_commons", 120) },
  ],
  // Sampled at 10, 110, 310, 360, 760 and 790 µs of wall time; each sample is one interval of CPU time, however long the gap after it.
  samples: [4, 5, 6, 2, 3, 4],
  timeDeltas: [10, 100, 200, 50, 400, 30],
};

describe("summarizeCpuProfile", () => {
  const s = summarizeCpuProfile(profile, { root: ROOT, intervalMs: 0.1 });

  it("adds the samples of every node of one function, and leaves idle ones out of the busy time", () => {
    expect(s.durationMs).toBe(1.2);
    expect(s.busyMs).toBe(0.5); // five samples not idle, 0.1 ms each
    expect(s.gcMs).toBe(0.1);
    expect(s.top).toEqual([
      { function: "_record (node_modules/@opentelemetry/sdk-metrics/build/src/Instruments.js:42)", package: "@opentelemetry/sdk-metrics", selfMs: 0.2, percent: 40 },
      { function: "handleProxyRequest (dist/src/proxy/proxy-handler.js:10)", package: "keypool", selfMs: 0.2, percent: 40 },
      { function: "(garbage collector)", package: "(garbage collector)", selfMs: 0.1, percent: 20 },
    ]);
  });

  it("sums per package, largest first", () => {
    expect(s.byPackage.map((p) => [p.package, p.percent])).toEqual([
      ["@opentelemetry/sdk-metrics", 40],
      ["keypool", 40],
      ["(garbage collector)", 20],
    ]);
  });

  it("counts garbage collection, keeps the top N, and falls back to hit counts without samples", () => {
    const gcHeavy = summarizeCpuProfile({ ...profile, samples: [3, 3, 4, 2], timeDeltas: [0, 500, 500, 500], endTime: 2000 }, { top: 1 });
    expect(gcHeavy.gcMs).toBe(2); // two samples at the default 1 ms
    expect(gcHeavy.busyMs).toBe(3);
    expect(gcHeavy.top).toHaveLength(1);
    expect(gcHeavy.top[0]?.function).toBe("(garbage collector)");

    const hits = summarizeCpuProfile({
      startTime: 0,
      endTime: 40_000,
      nodes: [
        { id: 1, callFrame: frame("(idle)", ""), hitCount: 1 },
        { id: 2, callFrame: frame("f", "file:///x/a.js"), hitCount: 3 },
      ],
    });
    expect(hits.busyMs).toBe(3);
    expect(hits.top[0]).toEqual({ function: "f (/x/a.js:1)", package: "keypool", selfMs: 3, percent: 100 });
  });

  it("is empty, not wrong, for a profile without samples", () => {
    const empty = summarizeCpuProfile({ startTime: 0, endTime: 0, nodes: [{ id: 1, callFrame: frame("(root)", "") }] });
    expect(empty).toEqual({ durationMs: 0, busyMs: 0, gcMs: 0, top: [], byPackage: [] });
  });
});

describe("packageOf", () => {
  it("names npm packages, Node and V8's pseudo-frames", () => {
    expect(packageOf("file:///a/node_modules/undici/lib/core/util.js", "parseHeaders")).toBe("undici");
    expect(packageOf("file:///a/node_modules/x/node_modules/@grpc/grpc-js/build/src/server.js", "f")).toBe("@grpc/grpc-js");
    expect(packageOf("node:internal/streams/writable", "write")).toBe("node");
    expect(packageOf("", "(program)")).toBe("(program)");
    expect(packageOf("", "writev")).toBe("(native)");
    expect(packageOf("file:///srv/keypool/dist/src/pool/memory-pool.js", "acquire")).toBe("keypool");
  });
});

describe("profileMarkdown", () => {
  it("writes the busy time, the packages and the functions as tables", () => {
    const md = profileMarkdown("proxy: CPU profile", summarizeCpuProfile(profile, { root: ROOT }), "keypool at 64 in flight.");
    expect(md).toContain("# proxy: CPU profile");
    expect(md).toContain("1.2 ms of wall time sampled: 5 ms busy (not idle; samples × interval), of which garbage collection 1 ms (20%)");
    expect(md).toContain("| @opentelemetry/sdk-metrics | 2 | 40 |");
    expect(md).toContain("| `handleProxyRequest (dist/src/proxy/proxy-handler.js:10)` | keypool | 2 | 40 |");
  });
});

describe("summarizeCpuProfile over a window", () => {
  it("keeps only the samples taken between fromMs and toMs of the profile", () => {
    // Sample times: 10, 110, 310, 360, 760, 790 µs. The window 0.1 to 0.4 ms holds the 2nd, 3rd and 4th (keypool, keypool, idle).
    const s = summarizeCpuProfile(profile, { root: ROOT, fromMs: 0.1, toMs: 0.4 });
    expect(s.durationMs).toBe(0.3);
    expect(s.busyMs).toBe(2);
    expect(s.top.map((f) => [f.function, f.percent])).toEqual([["handleProxyRequest (dist/src/proxy/proxy-handler.js:10)", 100]]);
  });
});
