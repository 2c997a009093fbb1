import { Writable } from "node:stream";
import { describe, expect } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { ManualClock } from "../support/manual-clock.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { it } from "../support/keypool-fixture.js";

interface LogLine {
  level: number;
  msg: string;
  keyId?: string;
  reason?: string;
  from?: string;
  to?: string;
}

describe("logs", () => {
  it("info lines for start and each key state change with its reason; nothing per request at info", async ({ keypool }) => {
    const lines: LogLine[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as LogLine);
        done();
      },
    });
    const clock = new ManualClock();
    const server = await keypool.start({
      config: poolConfig({ openai: fakeKeys(3) }),
      log: createLogger({ level: "info", destination }),
      clock,
    });
    const c = keypool.connect(server.grpcAddress);
    for (let i = 0; i < 20; i++) {
      const l = await c.acquire({ provider: "openai" });
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 3 });
    }
    const limited = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: limited.leaseId, httpStatus: 429, retryAfter: durationFromMs(10_000), errorMessage: "slow down" });
    clock.advance(10_000);
    const quota = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: quota.leaseId, outcome: Outcome.OUTCOME_QUOTA_EXHAUSTED, retryAfter: durationFromMs(60_000) });
    const unauthorized = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: unauthorized.leaseId, httpStatus: 401, errorMessage: "invalid_api_key" });

    const info = lines.filter((l) => l.level === 30);
    expect(info.map((l) => l.msg)).toEqual(["keypool serving", "key cooling down", "key active again", "key exhausted", "key disabled"]);
    expect(info[1]).toMatchObject({ keyId: limited.keyId, from: "active", to: "cooling_down", reason: "rate limited (429): slow down" });
    expect(info[2]).toMatchObject({ keyId: limited.keyId, from: "cooling_down", to: "active", reason: "cooldown over" });
    expect(info[3]).toMatchObject({ keyId: quota.keyId, to: "exhausted", reason: "quota exhausted" });
    expect(info[4]).toMatchObject({ keyId: unauthorized.keyId, to: "disabled", reason: "unauthorized (401/403): invalid_api_key" });
  });
});
