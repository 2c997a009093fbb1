import { describe, expect, it } from "vitest";
import { ManualClock } from "../../support/manual-clock.js";
import { FleetHistoryWriter } from "../../../src/telemetry/history/fleet-history-writer.js";
import type { HistoryShelf, ShelfRecord } from "../../../src/telemetry/history/history-shelf.js";
import { parseHistoryQuery, type RawHistoryQuery } from "../../../src/telemetry/history/history-query.js";
import type { HistoryDirectory } from "../../../src/telemetry/history/history-types.js";
import { RECORD_TTL_MS } from "../../../src/telemetry/history/history-wire.js";
import { shelfHistorySource } from "../../../src/telemetry/history/shelf-history-source.js";
import { StatsHistory } from "../../../src/telemetry/history/stats-history.js";

/**
 * Several sidecars' histories summed into one, with one manual clock: each
 * sidecar writes its rings to a shelf (here the in-process home of that
 * two-method contract; tests under test/store hold the Redis one to it) at
 * its own times, and a query on any of them reads the others' last writes.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const directory: HistoryDirectory = {
  providerNames: () => ["openai"],
  keysOf: () => new Map([["k1", "…0001"], ["k2", "…0002"]]),
};

/** Records in memory, with the store's expiry: what the Redis shelf keeps, kept in a Map. */
class MemoryShelf implements HistoryShelf {
  readonly records = new Map<string, { fields: Map<string, string>; writtenAt: number; expiresAt: number }>();

  constructor(private readonly clock: ManualClock) {}

  write(record: string, fields: ReadonlyMap<string, string>, ttlMs: number, now: number): Promise<boolean> {
    const held = this.records.get(record);
    const existed = held !== undefined && held.expiresAt > now;
    const r = existed ? held : { fields: new Map<string, string>(), writtenAt: now, expiresAt: now + ttlMs };
    for (const [k, v] of fields) r.fields.set(k, v);
    r.writtenAt = now;
    r.expiresAt = now + ttlMs;
    this.records.set(record, r);
    return Promise.resolve(existed);
  }

  read(fields: readonly string[], since: number, except: string): Promise<readonly ShelfRecord[]> {
    const out: ShelfRecord[] = [];
    for (const [record, r] of this.records) {
      if (record === except || r.writtenAt < since || r.expiresAt <= this.clock.now()) continue;
      out.push({ record, values: fields.map((f) => r.fields.get(f) ?? null) });
    }
    return Promise.resolve(out);
  }
}

function fleet() {
  const clock = new ManualClock(T0);
  const shelf = new MemoryShelf(clock);
  const sidecar = (name: string) => {
    const history: StatsHistory = new StatsHistory({
      clock,
      configGeneration: 1,
      sidecar: name,
      fleet: shelfHistorySource(shelf, `${name}@${clock.now()}`, clock),
    });
    const writer = new FleetHistoryWriter(history, shelf, clock);
    const query = (q: RawHistoryQuery) => history.query(parseHistoryQuery({ provider: "openai", ...q }), directory);
    return { history, writer, query };
  };
  return { clock, shelf, sidecar };
}

const total = (buckets: readonly { requests: number }[]) => buckets.reduce((n, b) => n + b.requests, 0);

describe("fleet statistics history", () => {
  it("sums the buckets of sidecars that wrote at different times, aligned on time, with their latency bins and largest latency", async () => {
    const { clock, sidecar } = fleet();
    const a = sidecar("host-a/1");
    const b = sidecar("host-b/2");
    clock.advance(5_000);
    a.history.recordAcquired("openai", "k1", "gpt-4o", 0);
    a.history.recordEnded("openai", "k1", "gpt-4o", "success", 10, 5, 200);
    b.history.recordAcquired("openai", "k1", "gpt-4o", 300);
    b.history.recordEnded("openai", "k1", "gpt-4o", "rate_limited", 0, 0, 40_000);
    clock.advance(3_000);
    await b.writer.flush();
    clock.advance(10_000);
    // After b's write: only a knows of it until b writes again.
    b.history.recordAcquired("openai", "k2", "", 0);
    await a.writer.flush();

    const fromA = await a.query({ rangeMs: 60_000 });
    expect(fromA.sidecars).toEqual(["host-a/1", "host-b/2"]);
    expect(fromA.fleetUnavailable).toBe("");
    const first = fromA.buckets.find((b) => b.start === T0);
    expect(first).toMatchObject({ requests: 2, successes: 1, rateLimited: 1, waits: 1, waitMs: 300, promptTokens: 10, latencySamples: 2 });
    // The largest latency is the largest of both sidecars: the p99 falls in the 30-60 s bin, closed by 40 s.
    expect(first?.latencyP99Ms).toBeGreaterThan(30_000);
    expect(first?.latencyP99Ms).toBeLessThanOrEqual(40_000);
    expect(total(fromA.buckets)).toBe(2);

    // From b: its own live rings (k2 included) and a's last write.
    const fromB = await b.query({ rangeMs: 60_000 });
    expect(fromB.sidecars).toEqual(["host-b/2", "host-a/1"]);
    expect(total(fromB.buckets)).toBe(3);
    expect(total((await b.query({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" })).buckets)).toBe(2);
    expect(total((await b.query({ rangeMs: 60_000, model: "gpt-4o" })).buckets)).toBe(2);
    expect(total((await a.query({ rangeMs: 60_000, keyId: "k2" })).buckets)).toBe(0);
    await b.writer.flush();
    expect(total((await a.query({ rangeMs: 60_000, keyId: "k2" })).buckets)).toBe(1);
  });

  it("a write carries the buckets since the last one, so a bucket still filling is written again and none is counted twice", async () => {
    const { clock, sidecar } = fleet();
    const a = sidecar("a/1");
    const b = sidecar("b/1");
    for (let i = 0; i < 30; i++) {
      b.history.recordAcquired("openai", "k1", "", 0);
      clock.advance(1_000);
      if (i % 5 === 4) await b.writer.flush();
    }
    const res = await a.query({ rangeMs: 60_000 });
    expect(res.buckets.filter((x) => x.requests > 0).map((x) => [x.start - T0, x.requests])).toEqual([
      [0, 10],
      [10_000, 10],
      [20_000, 10],
    ]);
    const day = await a.query({ rangeMs: 86_400_000 });
    expect(total(day.buckets)).toBe(30);
  });

  it("a sidecar that stopped stays in the 24 h range until its record expires, its buckets recorded from its start to its last write", async () => {
    const { clock, sidecar } = fleet();
    const b = sidecar("b/1");
    b.history.recordAcquired("openai", "k1", "gpt-4o", 0);
    clock.advance(60_000);
    await b.writer.stop();
    clock.advance(2 * 3_600_000);
    const a = sidecar("a/1");
    const day = await a.query({ rangeMs: 86_400_000 });
    expect(day.recordingSince).toBe(T0);
    expect(day.models).toEqual(["gpt-4o"]);
    const at = (t: number) => day.buckets.find((x) => x.start === T0 + t);
    expect(at(0)).toMatchObject({ requests: 1, recorded: true });
    // Between b's last write and a's start, nobody was recording.
    expect(at(3_600_000)).toMatchObject({ requests: 0, recorded: false });
    expect(at(7_200_000)).toMatchObject({ recorded: true });
    // Past the hour, the 10 s buckets no longer have it, as on b itself.
    expect(total((await a.query({ rangeMs: 3_600_000 })).buckets)).toBe(0);
    clock.advance(22 * 3_600_000);
    expect((await a.query({ rangeMs: 86_400_000 })).sidecars).toEqual(["a/1", "b/1"]);
    expect(total((await a.query({ rangeMs: 86_400_000 })).buckets)).toBe(0);
    clock.advance(RECORD_TTL_MS);
    expect((await a.query({ rangeMs: 86_400_000 })).sidecars).toEqual(["a/1"]);
  });

  it("markers of every sidecar, each naming it: a restart of one is a second start marker of its name", async () => {
    const { clock, sidecar } = fleet();
    const a = sidecar("a/1");
    clock.advance(10_000);
    const b = sidecar("b/7");
    b.history.recordKeyState("openai", "k2", "cooling_down", "active → cooling_down: 429", "client-x");
    await b.writer.stop();
    clock.advance(20_000);
    const b2 = sidecar("b/7");
    b2.history.recordReload(2, "generation 2: 1 added, 0 removed, 0 updated");
    await b2.writer.flush();
    const res = await a.query({ rangeMs: 3_600_000 });
    expect(res.sidecars).toEqual(["a/1", "b/7", "b/7"]);
    expect(res.markers.map((m) => [m.at - T0, m.kind, m.sidecar])).toEqual([
      [0, "start", "a/1"],
      [10_000, "start", "b/7"],
      [10_000, "key_state", "b/7"],
      [30_000, "start", "b/7"],
      [30_000, "reload", "b/7"],
    ]);
    expect((await a.query({ rangeMs: 3_600_000, keyId: "k1" })).markers.map((m) => m.kind)).toEqual(["start", "start", "start", "reload"]);
    // A key only another sidecar recorded is found, not NOT_FOUND.
    expect((await a.query({ rangeMs: 3_600_000, keyId: "k2" })).markers.map((m) => m.kind)).toContain("key_state");
  });

  it("a record another version wrote, or a field mangled, is left out and the query still answers", async () => {
    const { clock, shelf, sidecar } = fleet();
    const a = sidecar("a/1");
    const b = sidecar("b/1");
    b.history.recordAcquired("openai", "k1", "", 0);
    await b.writer.flush();
    await shelf.write("old@1", new Map([["meta", '{"v":0}'], ["at", String(clock.now())]]), RECORD_TTL_MS, clock.now());
    const record = [...shelf.records.values()].find((r) => r.fields.has("0:" + String((T0 / 10_000) % 360)));
    record?.fields.set("0:" + String((T0 / 10_000) % 360), "not json");
    const res = await a.query({ rangeMs: 60_000 });
    expect(res.sidecars).toEqual(["a/1", "b/1"]);
    expect(total(res.buckets)).toBe(0);
  });
});
