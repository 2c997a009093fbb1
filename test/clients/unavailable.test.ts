import { createServer, type Server } from "node:net";
import OpenAI from "openai";
import { describe, expect, it, onTestFinished } from "vitest";
import { KeyPoolUnavailableError } from "../../clients/typescript/src/index.js";
import { startCli } from "../support/run-cli.js";
import { client, simulator } from "./harness.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
const SECRETS = ["sk-test-kill-0001", "sk-test-kill-0002"];
const FALLBACK = "sk-test-fallback-0001";

/** A real `keypool serve` process whose keys point at the simulator, so that it can be killed. */
async function sidecar(simUrl: string) {
  const cli = startCli(["serve", "--listen", "127.0.0.1:0"], { OPENAI_API_KEYS: SECRETS.join(","), OPENAI_BASE_URL: `${simUrl}/v1` });
  onTestFinished(() => {
    cli.child.kill("SIGKILL");
  });
  const [, address] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)"/);
  return { cli, address: address as string };
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value: T | undefined; error: unknown }> {
  const started = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - started, value, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, value: undefined, error };
  }
}

describe("when the sidecar is unreachable", () => {
  it("fails closed at once with KeyPoolUnavailableError naming the target", async () => {
    // A port that was just free: nothing listens there.
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const pool = client(`127.0.0.1:${port}`);
    const { ms, error } = await timed(pool.acquire("openai"));
    expect(error).toBeInstanceOf(KeyPoolUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`keypool sidecar at 127\\.0\\.0\\.1:${port} is unavailable: AcquireKey failed with UNAVAILABLE`));
    expect(ms).toBeLessThan(1_000);
  });

  it("killing the sidecar mid-run: calls fail fast and clearly, or use the configured fallback", async () => {
    const sim = await simulator({ keys: { [SECRETS[0]!]: {}, [SECRETS[1]!]: {}, [FALLBACK]: { label: "fallback" } } });
    const { cli, address } = await sidecar(sim.url);
    const reportErrors: string[] = [];
    const strict = client(address, { onReportError: (e) => reportErrors.push(e.codeName) });
    const lenient = client(address, { fallback: { apiKey: FALLBACK, baseUrl: `${sim.url}/v1` } });
    const openaiStrict = new OpenAI({ apiKey: "unused", fetch: strict.fetch("openai"), maxRetries: 0 });
    const openaiLenient = new OpenAI({ apiKey: "unused", fetch: lenient.fetch("openai"), maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      await openaiStrict.chat.completions.create(chat);
      await openaiLenient.chat.completions.create(chat);
    }
    expect(sim.keyStats("fallback")?.requests).toBe(0);

    // A call whose lease was taken before the kill still returns its answer; its report cannot land.
    const inFlight = await strict.withKey("openai", async (lease) => {
      cli.child.kill("SIGKILL");
      await cli.exited;
      return { ok: lease.keyId.length > 0 };
    });
    expect(inFlight).toEqual({ ok: true });
    expect(reportErrors).toEqual(["UNAVAILABLE"]);

    const failed = await timed(openaiStrict.chat.completions.create(chat));
    expect(failed.error).toBeInstanceOf(OpenAI.APIConnectionError);
    const cause = (failed.error as Error).cause;
    expect(cause).toBeInstanceOf(KeyPoolUnavailableError);
    expect((cause as Error).message).toMatch(/keypool sidecar at 127\.0\.0\.1:\d+ is unavailable/);
    expect(failed.ms).toBeLessThan(1_000);
    const direct = await timed(strict.acquire("openai"));
    expect(direct.error).toBeInstanceOf(KeyPoolUnavailableError);
    expect(direct.ms).toBeLessThan(1_000);

    const before = sim.keyStats("fallback")?.requests ?? 0;
    const viaFallback = await timed(openaiLenient.chat.completions.create(chat));
    expect(viaFallback.error).toBeUndefined();
    expect(viaFallback.ms).toBeLessThan(1_000);
    expect(sim.keyStats("fallback")?.requests).toBe(before + 1);
    const lease = await lenient.acquire("openai");
    expect(lease).toMatchObject({ fallback: true, leaseId: "", maskedKey: "…0001" });
    expect(await lenient.report(lease, { outcome: "success" })).toBeUndefined();
  });

  it("a sidecar that stops answering fails the acquisition at its deadline instead of hanging", async () => {
    const sim = await simulator({ keys: { [SECRETS[0]!]: {}, [SECRETS[1]!]: {} } });
    const { cli, address } = await sidecar(sim.url);
    const pool = client(address, { acquireTimeoutMs: 300 });
    await pool.acquire("openai");
    cli.child.kill("SIGSTOP");
    onTestFinished(() => {
      cli.child.kill("SIGCONT");
    });
    const hung = await timed(pool.acquire("openai"));
    expect(hung.error).toBeInstanceOf(KeyPoolUnavailableError);
    expect((hung.error as Error).message).toMatch(/DEADLINE_EXCEEDED/);
    expect(hung.ms).toBeGreaterThanOrEqual(250);
    expect(hung.ms).toBeLessThan(1_500);
  });
});
