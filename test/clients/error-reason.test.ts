import { describe, expect, it } from "vitest";
import { KeyPoolError } from "../../clients/typescript/src/index.js";
import { client, keypool, simKeys } from "./harness.js";

/** The error an acquisition rejects with. */
async function refusal(promise: Promise<unknown>): Promise<KeyPoolError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyPoolError);
  return err as KeyPoolError;
}

describe("the reason of a refusal, read back from google.rpc.ErrorInfo", () => {
  it("tells a busy pool, a model no key serves and a pool whose every key is disabled apart", async () => {
    const server = await keypool({
      openai: simKeys("reason", 1, "http://127.0.0.1:9", { rpm: 1, models: ["gpt-4o-mini"] }),
    });
    const pool = client(server.grpcAddress);

    const unserved = await refusal(pool.acquire("openai", { model: "gpt-9" }));
    expect(unserved).toMatchObject({ code: "FAILED_PRECONDITION", codeName: "FAILED_PRECONDITION", reason: "NO_KEY_CAN_SERVE" });

    const lease = await pool.acquire("openai", { model: "gpt-4o-mini" });
    const busy = await refusal(pool.acquire("openai", { model: "gpt-4o-mini" }));
    expect(busy).toMatchObject({ code: "RESOURCE_EXHAUSTED", reason: "POOL_BUSY" });
    expect(busy.retryAfterMs).toBeGreaterThan(0);

    await pool.report(lease, { outcome: "unauthorized", httpStatus: 401 });
    const disabled = await refusal(pool.acquire("openai", { model: "gpt-4o-mini" }));
    expect(disabled).toMatchObject({ code: "FAILED_PRECONDITION", reason: "ALL_KEYS_DISABLED" });
    expect(disabled.message).toContain("disabled");
    expect(disabled.retryAfterMs).toBeUndefined();
  });

  it("an invalid field and a rejected configuration have their own reasons", async () => {
    const server = await keypool({ openai: simKeys("reason2", 1, "http://127.0.0.1:9") });
    const pool = client(server.grpcAddress);
    const field = await refusal(pool.acquire("openai", { model: "m".repeat(300) }));
    expect(field).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_FIELD" });
    expect(field.message).toContain("model: longer than");
    const config = await refusal(pool.reload(JSON.stringify({ openai: { keys: [{ key: "sk-test-reason2-0001", rpm: -1 }] } })));
    expect(config).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_CONFIG" });
    const unknown = await refusal(pool.acquire("nobody"));
    expect(unknown).toMatchObject({ code: "NOT_FOUND", reason: "NOT_FOUND" });
  });
});
