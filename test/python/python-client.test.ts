import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SimulatorKeyOptions } from "../../src/simulator/index.js";
import type { TestKey } from "../support/pool-config.js";
import { capturedLog } from "../support/rate-limit-log.js";
import { keypool, simulator } from "../clients/harness.js";
import { OPENAI_SDK_PACKAGES, openAiSdkMissing, PROTOC_PACKAGES, protocMissing, PYTHON, PYTHON_PACKAGES, pythonMissing, run } from "./python-env.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ci = Boolean(process.env.CI);
const missingPython = pythonMissing();
const missingProtoc = protocMissing();
const missingOpenAiSdk = openAiSdkMissing();

/** Keys of one provider, ids `${prefix}1..n`, served by the simulator. */
function keys(prefix: string, n: number, baseUrl: string): TestKey[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}`, secret: `sk-test-py-${prefix}${i + 1}-0001`, baseUrl }));
}

/** The simulator and a sidecar over it with every provider clients/python/tests use; the env pytest reads. */
async function pythonTestStack() {
  const sim = await simulator({ keys: {}, completionTokens: 5 });
  const v1 = `${sim.url}/v1`;
  const providers = {
    openai: keys("p", 5, v1),
    aio: keys("a", 5, v1),
    lease: keys("l", 2, v1),
    tight: keys("t", 1, v1),
    retry: keys("r", 2, v1),
    // Not known to the simulator: answered 401.
    revoked: keys("v", 1, v1),
    // Streams closed at their terminal event, one provider per dialect (test_sdk_streams.py).
    sdkopenai: keys("so", 1, v1),
    sdkanthropic: keys("sa", 1, sim.url),
    sdkgemini: keys("sg", 1, sim.url),
    sdkcut: keys("sc", 1, v1),
    sdkreal: keys("sr", 1, v1),
    // Their answers' rate-limit headers and 429 bodies reach the sidecar (test_provider_answer.py).
    answer: keys("n", 1, v1),
    anthropic: keys("an", 1, sim.url),
    google: keys("go", 1, sim.url),
    gemini: keys("ge", 1, sim.url),
  };
  const limits: Record<string, SimulatorKeyOptions> = {
    t1: { rpm: 1 },
    r1: { rpm: 1 },
    n1: { rpm: 30 },
    an1: { rpm: 20 },
    go1: { models: { "gemini-2.5-pro": { rpd: 1 } } },
    ge1: { models: { "gemini-2.5-pro": { rpd: 1 } } },
  };
  for (const [name, list] of Object.entries(providers)) {
    if (name === "revoked") continue;
    for (const k of list) sim.addKey(k.secret, { label: k.id!, ...limits[k.id!] });
  }
  const fallbackKey = "sk-test-py-fallback-0001";
  sim.addKey(fallbackKey, { label: "fallback" });
  const captured = capturedLog();
  const server = await keypool(providers, {}, captured.log);
  const env = { ...process.env, KEYPOOL_TARGET: server.grpcAddress, KEYPOOL_SIM_URL: sim.url, KEYPOOL_TEST_FALLBACK_KEY: fallbackKey, PYTHONDONTWRITEBYTECODE: "1" };
  return { sim, server, env, captured, secrets: Object.values(providers).flat().map((k) => k.secret) };
}

function pytest(args: string[], env: NodeJS.ProcessEnv) {
  return run(PYTHON, ["-m", "pytest", ...args, "-q", "-rs", "-p", "no:cacheprovider"], { cwd: root, env });
}

describe("Python client (clients/python, pytest)", () => {
  // Locally a missing package skips (the run's last line says what to install); CI must have them.
  const skipPython = missingPython !== undefined && !ci;

  it.skipIf(skipPython)("pytest passes against the real server and simulator; the transport spread 20 calls over five keys", async () => {
    if (missingPython !== undefined) throw new Error(`${missingPython}; CI needs: ${PYTHON_PACKAGES}`);
    const { sim, server, env, captured, secrets } = await pythonTestStack();
    const result = await pytest(["clients/python/tests"], env);
    if (process.env.KEYPOOL_SHOW_PYTEST) console.log(result.output);
    expect(result.output).not.toMatch(/\bfailed\b|\berror\b/);
    expect(result.code).toBe(0);
    // Only the tests that need the OpenAI SDK (and FastAPI) may skip: they are not Debian 12 packages.
    expect(Number(/(\d+) passed/.exec(result.output)?.[1])).toBeGreaterThanOrEqual(30);
    const skips = result.output.split("\n").filter((line) => line.startsWith("SKIPPED"));
    for (const line of skips) expect(line).toMatch(/not a Debian 12 package/);

    for (const id of ["p1", "p2", "p3", "p4", "p5"]) expect(sim.keyStats(id)?.requests).toBe(4);
    expect(sim.keyStats("fallback")?.requests).toBe(1);
    expect(sim.stats().seenCredentials.has("unused")).toBe(false);
    expect(server.pool.openLeaseCount()).toBe(0);

    // What the transports and lease.observe passed on reached the sidecar, read in each dialect.
    const reads = captured.reads();
    const readOf = (keyId: string) => reads.filter((r) => r.keyId === keyId);
    expect(readOf("n1")[0]?.rateLimits.limits).toContainEqual(expect.objectContaining({ dimension: "requests", limit: 30, source: "openai-headers" }));
    expect(readOf("an1")[0]?.rateLimits.limits).toContainEqual(expect.objectContaining({ dimension: "requests", limit: 20, source: "anthropic-headers" }));
    for (const id of ["go1", "ge1"]) {
      expect(readOf(id).map((r) => r.rateLimits.exhausted)).toEqual([expect.objectContaining({ reason: "daily_quota", model: "gemini-2.5-pro", source: "gemini-quota-failure" })]);
    }
    const logged = captured.lines.join("\n");
    for (const secret of secrets) expect(logged).not.toContain(secret);
  });

  // The SDK is no Debian package: .ci/run installs it into its venv; elsewhere it may skip.
  // CI says so when its package index could not provide the SDK: then this test skips there too.
  const sdkUnavailable = process.env["KEYPOOL_OPENAI_SDK_UNAVAILABLE"] !== undefined;
  const skipOpenAiSdk = (missingPython ?? missingOpenAiSdk) !== undefined && (!ci || sdkUnavailable);
  it.skipIf(skipOpenAiSdk)("the OpenAI Python SDK's streamed calls through KeyPoolTransport count as successes", async () => {
    const missing = missingPython ?? missingOpenAiSdk;
    if (missing !== undefined) throw new Error(`${missing}; CI needs: ${OPENAI_SDK_PACKAGES}`);
    const { sim, server, env } = await pythonTestStack();
    const result = await pytest(["clients/python/tests/test_sdk_streams.py", "-k", "openai_sdk"], env);
    expect(result.output).toMatch(/\b1 passed\b/);
    expect(result.output).not.toMatch(/skipped|failed|error/);
    expect(sim.keyStats("sr1")?.requests).toBe(3);
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  const skipProtoc = missingProtoc !== undefined && !ci;

  it.skipIf(skipProtoc)("generate.sh reproduces the committed stubs from proto/", async () => {
    if (missingProtoc !== undefined) throw new Error(`${missingProtoc}; CI needs: ${PROTOC_PACKAGES}`);
    const work = mkdtempSync(join(tmpdir(), "keypool-pygen-"));
    try {
      cpSync(join(root, "proto"), join(work, "proto"), { recursive: true });
      cpSync(join(root, "clients/python"), join(work, "clients/python"), { recursive: true });
      const gen = await run("bash", [join(work, "clients/python/generate.sh")], { cwd: work, env: { ...process.env, PYTHON: "/nonexistent" } });
      expect(gen.code, gen.output).toBe(0);
      for (const file of ["keypool_pb2.py", "keypool_pb2.pyi", "keypool_pb2_grpc.py"]) {
        const path = `clients/python/keypool_client/gen/keypool/v1/${file}`;
        expect(readFileSync(join(work, path), "utf8"), `${path} is stale: run clients/python/generate.sh`).toBe(readFileSync(join(root, path), "utf8"));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
