import { status } from "@grpc/grpc-js";
import { describe, expect } from "vitest";
import { parseConfigDocument } from "../../src/config/parse-config-document.js";
import type { PoolConfig } from "../../src/config/types.js";
import { ManualClock } from "../support/manual-clock.js";
import { grpcError } from "../support/grpc-client.js";
import { it } from "../support/keypool-fixture.js";

function config(doc: unknown): PoolConfig {
  const r = parseConfigDocument(JSON.stringify(doc), {});
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

const secret = (n: number) => `sk-test-scope-${String(n).padStart(4, "0")}`;

/** Acquires until refused; returns the key ids leased, in order. */
async function drain(acquire: () => Promise<{ keyId: string }>, max: number): Promise<{ ids: string[]; refusal: unknown }> {
  const ids: string[] = [];
  for (let i = 0; i < max; i++) {
    try {
      ids.push((await acquire()).keyId);
    } catch (err) {
      return { ids, refusal: err };
    }
  }
  return { ids, refusal: undefined };
}

function count(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe("quota scopes and per-model limits over gRPC", () => {
  it("two keys of one scope at 10 rpm get 10 together, a third key outside it carries the rest", async ({ keypool }) => {
    const clock = new ManualClock();
    const server = await keypool.start({
      clock,
      config: config({
        openai: {
          scopes: { "proj-a": { rpm: 10 } },
          keys: [
            { key: secret(1), id: "a1", scope: "proj-a" },
            { key: secret(2), id: "a2", scope: "proj-a" },
            { key: secret(3), id: "b1", rpm: 15 },
          ],
        },
      }),
    });
    const c = keypool.connect(server.grpcAddress);
    const { ids, refusal } = await drain(() => c.acquire({ provider: "openai" }), 40);
    const n = count(ids);
    expect((n["a1"] ?? 0) + (n["a2"] ?? 0)).toBe(10);
    expect(n["b1"]).toBe(15);
    // The balancer still spreads within the scope.
    expect(n["a1"]).toBe(5);
    expect((refusal as { code?: number }).code).toBe(status.RESOURCE_EXHAUSTED);
    // One minute (and the margin) later the scope has room again.
    clock.advance(61_000);
    expect((await c.acquire({ provider: "openai" })).keyId).toMatch(/^(a1|a2|b1)$/);
  });

  it("acquisitions for a limited model stop at its limit while the same keys serve another model", async ({ keypool }) => {
    const clock = new ManualClock();
    const server = await keypool.start({
      clock,
      config: config({
        google: {
          scopes: { "proj-g": { models: { "gemini-2.5-pro": { rpm: 3 } } } },
          models: { "gemini-2.5-flash": { rpm: 4 } },
          keys: [
            { key: secret(11), id: "g1", scope: "proj-g" },
            { key: secret(12), id: "g2", scope: "proj-g" },
          ],
        },
      }),
    });
    const c = keypool.connect(server.grpcAddress);
    const pro = await drain(() => c.acquire({ provider: "google", model: "gemini-2.5-pro" }), 10);
    expect(pro.ids).toHaveLength(3);
    const err = await grpcError(c.acquire({ provider: "google", model: "gemini-2.5-pro" }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    // Per key, 4 a minute for flash: 8 across the two keys, whatever pro did.
    const flash = await drain(() => c.acquire({ provider: "google", model: "gemini-2.5-flash" }), 20);
    expect(count(flash.ids)).toEqual({ g1: 4, g2: 4 });
    // A model with no entry uses the general limits alone: unlimited here.
    const other = await drain(() => c.acquire({ provider: "google", model: "gemini-2.0-lite" }), 12);
    expect(other.ids).toHaveLength(12);
  });

  it("a reload that raises a scope's limit lets its keys serve at once, keeping what was counted", async ({ keypool }) => {
    const clock = new ManualClock();
    const doc = (rpm: number) => ({
      openai: { scopes: { p: { rpm } }, keys: [{ key: secret(21), id: "p1", scope: "p" }, { key: secret(22), id: "p2", scope: "p" }] },
    });
    const server = await keypool.start({ clock, config: config(doc(4)) });
    const c = keypool.connect(server.grpcAddress);
    expect((await drain(() => c.acquire({ provider: "openai" }), 10)).ids).toHaveLength(4);
    server.pool.applyConfig(config(doc(6)));
    expect((await drain(() => c.acquire({ provider: "openai" }), 10)).ids).toHaveLength(2);
  });
});
