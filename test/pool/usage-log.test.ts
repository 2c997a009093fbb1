import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageLog, type WindowSpec } from "../../src/pool/usage-log.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

/**
 * The log against a model that keeps every entry and counts by filtering.
 * Each read or write at time t drops from a window the entries with
 * at + span <= t; dropped, an entry stays dropped (a clock that steps back
 * does not count it again), and once no window holds it the log forgets it.
 */
interface Entry {
  at: number;
  tokens: number;
  forgotten: boolean;
}

interface ModelWindow {
  spec: WindowSpec;
  dropped: Set<Entry>;
}

const spanOf = (s: WindowSpec) => s.perMs + s.marginMs;

const spec: fc.Arbitrary<WindowSpec> = fc.record({
  kind: fc.constantFrom("requests" as const, "tokens" as const),
  limit: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 10, max: 60 }), fc.constant(Infinity)),
  perMs: fc.constantFrom(10, 20, 50),
  marginMs: fc.constantFrom(0, 5),
});

type Op =
  | { kind: "record"; dt: number; tokens: number }
  | { kind: "settle"; dt: number; pick: number; tokens: number }
  | { kind: "read"; dt: number; tokens: number }
  | { kind: "reconfigure"; specs: WindowSpec[] };

// Often no time at all: several reads at one moment are what the log shortcuts.
const dt = fc.oneof(fc.constant(0), fc.integer({ min: -10, max: 30 }));
const tokens = fc.integer({ min: 0, max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("record" as const), dt, tokens }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("settle" as const), dt, pick: fc.nat(), tokens }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("read" as const), dt, tokens }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reconfigure" as const), specs: fc.array(spec, { minLength: 1, maxLength: 3 }) }) },
);

const counted = (entries: readonly Entry[], w: ModelWindow, t: number) => entries.filter((e) => !e.forgotten && !w.dropped.has(e) && e.at + spanOf(w.spec) > t);

/** The first time from `now` at which every window has room for one more request of `tokens`, by brute force over the times counts change. */
function modelRoomAt(entries: readonly Entry[], windows: readonly ModelWindow[], tokens: number, now: number): number {
  const fitsAt = (t: number) =>
    windows.every((w) => {
      const held = counted(entries, w, t);
      const used = w.spec.kind === "requests" ? held.length + 1 : held.reduce((sum, e) => sum + e.tokens, 0) + tokens;
      return used <= w.spec.limit;
    });
  const candidates = [now, ...windows.flatMap((w) => entries.map((e) => e.at + spanOf(w.spec)))].filter((t) => t >= now).sort((a, b) => a - b);
  return candidates.find(fitsAt) ?? Infinity;
}

describe("UsageLog", () => {
  it("counts, settles and finds room as a model that filters every entry by time does, through reconfigurations and a clock that steps back (property)", () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 3 }), fc.array(op, { maxLength: 120 }), (initial, ops) => {
        const windowsOf = (specs: readonly WindowSpec[]) => specs.map((spec) => ({ spec, dropped: new Set<Entry>() }));
        let windows = windowsOf(initial);
        const log = new UsageLog(initial);
        const entries: Entry[] = [];
        const seqs: number[] = [];
        let now = 1_000;
        for (const o of ops) {
          if (o.kind !== "reconfigure") {
            now += o.dt;
            for (const w of windows) for (const e of entries) if (e.at + spanOf(w.spec) <= now) w.dropped.add(e);
            for (const e of entries) if (windows.every((w) => w.dropped.has(e))) e.forgotten = true;
          }
          if (o.kind === "record") {
            const kept = entries.filter((e) => !e.forgotten);
            const at = Math.max(now, kept.length === 0 ? -Infinity : (kept[kept.length - 1] as Entry).at);
            seqs.push(log.record(now, o.tokens));
            entries.push({ at, tokens: o.tokens, forgotten: false });
          } else if (o.kind === "settle" && entries.length > 0) {
            const i = o.pick % entries.length;
            log.settle(seqs[i] as number, o.tokens, now);
            if (!(entries[i] as Entry).forgotten) (entries[i] as Entry).tokens = o.tokens;
          } else if (o.kind === "read") {
            expect(log.roomAt(o.tokens, now)).toBe(modelRoomAt(entries, windows, o.tokens, now));
            windows.forEach((w, i) => {
              const held = counted(entries, w, now);
              expect(log.usage(i)).toEqual({ requests: held.length, tokens: held.reduce((sum, e) => sum + e.tokens, 0) });
              expect(log.requests(i)).toBe(held.length);
              expect(log.leavesAt(i)).toBe(held.length === 0 ? Infinity : (held[0] as Entry).at + spanOf(w.spec));
            });
          } else if (o.kind === "reconfigure") {
            // Same spans: the counts stand; otherwise recounted over what the log still keeps.
            const sameSpan = (s: WindowSpec, w: ModelWindow | undefined) => w !== undefined && s.kind === w.spec.kind && s.perMs === w.spec.perMs && s.marginMs === w.spec.marginMs;
            const same = o.specs.length === windows.length && o.specs.every((s, i) => sameSpan(s, windows[i]));
            windows = same ? o.specs.map((spec, i) => ({ spec, dropped: (windows[i] as ModelWindow).dropped })) : windowsOf(o.specs);
            log.setWindows(o.specs);
            expect(log.specs()).toEqual(o.specs);
          }
        }
      }),
      { numRuns: fuzzRuns(200) },
    );
  });

  it("settles tokens only in the windows still holding the request, even after the clock stepped back", () => {
    const log = new UsageLog([
      { kind: "tokens", limit: 100, perMs: 50, marginMs: 0 },
      { kind: "tokens", limit: 100, perMs: 20, marginMs: 0 },
    ]);
    const first = log.record(1_000, 0);
    log.record(1_020, 0);
    // At 1,020 the short window let go of the first request; a clock one millisecond back makes it look 19 ms old.
    log.settle(first, 7, 1_019);
    expect(log.usage(0)).toEqual({ requests: 2, tokens: 7 });
    expect(log.usage(1)).toEqual({ requests: 1, tokens: 0 });
  });

  it("reads nothing for a window it does not have", () => {
    const log = new UsageLog([{ kind: "requests", limit: 2, perMs: 60_000, marginMs: 0 }]);
    log.record(0, 5);
    expect(log.requests(1)).toBe(0);
    expect(log.usage(1)).toEqual({ requests: 0, tokens: 0 });
    expect(log.leavesAt(1)).toBe(Infinity);
  });
});
