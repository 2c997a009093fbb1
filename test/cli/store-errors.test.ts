import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * `keypool serve --store` with a store it cannot use: a clear line naming the
 * problem, a non-zero exit within the connect timeout, and never the
 * password, wherever it was given.
 */

const KEYS = { OPENAI_API_KEYS: "sk-test-store-0001,sk-test-store-0002" };
const PASSWORD = "s3cret-store-pass-4821";
let open: RedisServer;
let guarded: RedisServer;

beforeAll(async () => {
  [open, guarded] = await Promise.all([startRedisServer(), startRedisServer({ password: PASSWORD })]);
});
afterAll(async () => {
  await Promise.all([open.close(), guarded.close()]);
});

async function serve(store: string, env: Record<string, string> = {}, extra: string[] = []) {
  const res = await runCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--store", store, ...extra], { ...KEYS, ...env }, 20_000);
  const output = res.stdout + res.stderr;
  expect(output).not.toContain(PASSWORD);
  expect(output).not.toContain("wrong-pass-9917");
  expect(output).not.toContain("sk-test-store-0001");
  return { code: res.code, output };
}

describe("keypool serve --store with a store it cannot use", () => {
  it("a malformed URL is INVALID_CONFIG naming store", async () => {
    const r = await serve(`redis://:${PASSWORD}@127.0.0.1:99999`);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/store: /);
    const scheme = await serve("postgres://127.0.0.1:5432");
    expect(scheme.code).not.toBe(0);
    expect(scheme.output).toMatch(/store: expected memory, redis:\/\//);
  });

  it("an unreachable Redis: connection refused, non-zero exit, the password masked", async () => {
    const r = await serve(`redis://:${PASSWORD}@127.0.0.1:${open.port + 7}`);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/the store at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is unreachable/);
  });

  it("a Redis that needs a password the URL does not give, or refuses the one given", async () => {
    const none = await serve(`redis://127.0.0.1:${guarded.port}`);
    expect(none.code).not.toBe(0);
    expect(none.output).toMatch(/needs a password, and the URL gives none/);
    const wrong = await serve(`redis://:wrong-pass-9917@127.0.0.1:${guarded.port}`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/refused the user name or password in the URL/);
  });

  it("a store holding data of another schema under the prefix: refuses to start and says how to go on", async () => {
    await open.command("SET", "other:schema", "keypool-redis-0");
    const r = await serve(`redis://127.0.0.1:${open.port}`, { KEYPOOL_STORE_PREFIX: "other:" });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/holds data of schema "keypool-redis-0" under prefix "other:".*use another --store-prefix/);
  });

  it("KEYPOOL_STORE is read when --store is not given, and a prefix with a brace is refused", async () => {
    const res = await runCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--store-prefix", "a{b"], { ...KEYS, KEYPOOL_STORE: `redis://:${PASSWORD}@127.0.0.1:${guarded.port}` }, 20_000);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/store_prefix: 1 to 64 printable characters without braces/);
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });

  it("a store failure mode other than local or closed is refused, from the flag or KEYPOOL_STORE_FAILURE, whatever the store", async () => {
    const flag = await serve(`redis://:${PASSWORD}@127.0.0.1:${guarded.port}`, {}, ["--store-failure", "open"]);
    expect(flag.code).not.toBe(0);
    expect(flag.output).toMatch(/store_failure: expected local \(serve alone with a share of every limit\) or closed \(refuse\), got "open"/);
    const env = await serve("memory", { KEYPOOL_STORE_FAILURE: "failopen" });
    expect(env.code).not.toBe(0);
    expect(env.output).toMatch(/store_failure: .*got "failopen"/);
  });
});
