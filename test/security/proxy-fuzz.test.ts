import fc from "fast-check";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PENALTY } from "../../src/auth/failure-penalty.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { tempDir } from "../reload/support.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { poolConfig } from "../support/pool-config.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/*
 * Hostile HTTP at the proxy, written byte for byte on a raw socket so that
 * nothing between the test and the server tidies it up: odd paths, methods
 * and header values, credentials in every place, bodies that are not JSON,
 * not UTF-8, deeply nested or full of absurd numbers. Every request must get
 * an HTTP answer with a status a careful proxy may give, never a secret, and
 * the proxy must keep serving and leave no lease open.
 */

const RUNS = fuzzRuns(300);
const SECRETS = ["sk-test-FUZZproxy-0001", "sk-test-FUZZproxy-0002"];
const TOKEN = "kp-test-FUZZproxy-client";

let sim: Simulator;
let server: KeypoolServer;
let port: number;

beforeAll(async () => {
  sim = await startSimulator({ keys: Object.fromEntries(SECRETS.map((s, i) => [s, { label: `k${i + 1}` }])) });
  const dir = tempDir();
  const tokens = join(dir, "tokens.json");
  writeFileSync(tokens, JSON.stringify({ clients: [{ name: "app", token: TOKEN, providers: ["openai", "anthropic", "google"] }] }), { mode: 0o600 });
  const keys = (baseUrl: string) => SECRETS.map((secret, i) => ({ id: `k${i + 1}`, secret, baseUrl, rpm: 100_000, tpm: 100_000_000 }));
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    proxyListen: "127.0.0.1:0",
    config: poolConfig({ openai: keys(`${sim.url}/v1`), anthropic: keys(sim.url), google: keys(sim.url) }),
    log: silentLogger(),
    tokensFile: tokens,
    env: {},
    watch: false,
    proxy: { maxBodyBytes: 64 * 1024 },
    // The per-source penalty stays in force (hundreds of bad credentials reach its budget), with short delays.
    authPenalty: { ...DEFAULT_PENALTY, baseDelayMs: 1, maxDelayMs: 5 },
  });
  port = Number(server.proxyAddress?.split(":").pop());
});

afterAll(async () => {
  await server.stop(1_000);
  await sim.close();
});

/**
 * Writes `head` and `body` as they are and reads the whole answer (the
 * request asks the server to close). Undefined when nothing came within
 * `waitMs`, which only a request still owing its body may cause.
 */
function rawRequest(head: string, body: Buffer, waitMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {
      // A reset after the answer was sent is fine; what matters is what arrived.
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  });
}

/** Statuses a proxy may give to hostile input: the provider's own answers, or keypool's clear refusals. A 500 would be a bug. */
const ACCEPTABLE = new Set([200, 400, 401, 403, 404, 405, 408, 411, 413, 414, 415, 417, 422, 429, 431, 502, 503, 504]);

const providerPath = fc.constantFrom(
  "/openai/v1/chat/completions",
  "/openai/v1/embeddings",
  "/anthropic/v1/messages",
  "/google/v1beta/models/gemini-2.0-flash:generateContent",
  "/google/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
);
const hostilePath = fc.oneof(
  { arbitrary: providerPath, weight: 4 },
  providerPath.map((p) => `${p}?key=${TOKEN}&key=x`),
  fc.constantFrom("/", "//", "/openai", "/openai/", "/../../etc/passwd", "/openai/%2e%2e/%2e%2e/admin", "/%00/v1", "/openai/v1/chat/completions#frag", "*", "http://evil.example/openai/v1/models"),
  fc.stringMatching(/^\/[A-Za-z0-9%._~\-/:?=&]{0,80}$/),
  fc.constant(`/openai/${"a".repeat(20_000)}`),
);
const method = fc.constantFrom("POST", "POST", "POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "BREW");
const credential = fc.constantFrom<[string, string] | undefined>(
  undefined,
  ["authorization", `Bearer ${TOKEN}`],
  ["x-api-key", TOKEN],
  ["x-goog-api-key", TOKEN],
  ["authorization", `Bearer ${TOKEN}`],
  ["authorization", `bearer   ${TOKEN}  `],
  ["authorization", "Bearer "],
  ["authorization", `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}`],
  ["authorization", "Bearer kp-test-wrong"],
  ["x-api-key", TOKEN],
  ["api-key", TOKEN],
  ["x-goog-api-key", TOKEN],
  ["x-goog-api-key", "x".repeat(5_000)],
);
const extraHeader = fc.tuple(
  fc.oneof(
    fc.constantFrom("content-encoding", "transfer-encoding", "connection", "upgrade", "host", "x-stainless-timeout", "expect", "te", "keep-alive", "proxy-authorization", "x-forwarded-for"),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
  ),
  fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,60}$/), fc.constantFrom("gzip", "chunked", "close", "h2c", "-1", "1e400", "NaN", "100-continue", "x".repeat(40_000))),
);

const hugeNumber = fc.constantFrom(1e308, -1, -1e308, 0, 2 ** 53, 0.5, "NaN", "Infinity", null, [], {});
const validChat = fc.record({ model: fc.constantFrom("gpt-4o-mini", "claude-3-5-haiku", "gemini-2.0-flash"), max_tokens: fc.integer({ min: 1, max: 64 }) }).map((o) =>
  Buffer.from(JSON.stringify({ ...o, messages: [{ role: "user", content: "hi" }], contents: [{ parts: [{ text: "hi" }] }] })),
);
const jsonBody = fc.oneof(
  { arbitrary: validChat, weight: 3 },
  fc.record(
    {
      model: fc.oneof(fc.string({ maxLength: 40 }), hugeNumber),
      messages: fc.oneof(fc.constant([{ role: "user", content: "hi" }]), fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 5 }), hugeNumber),
      max_tokens: hugeNumber,
      max_completion_tokens: hugeNumber,
      stream: fc.oneof(fc.boolean(), hugeNumber),
      input: fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.string(), { maxLength: 5 }), hugeNumber),
      contents: fc.oneof(fc.constant([{ parts: [{ text: "hi" }] }]), hugeNumber),
      generationConfig: fc.oneof(fc.record({ maxOutputTokens: hugeNumber }), hugeNumber),
    },
    { requiredKeys: [] },
  ).map((o) => Buffer.from(JSON.stringify(o))),
  fc.constant(big("100,000 nested arrays", Buffer.from(`${"[".repeat(100_000)}${"]".repeat(100_000)}`))),
  fc.constant(big("20,000 nested objects", Buffer.from(`{"a":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`))),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d])),
  fc.constant(big("70 KiB of a", Buffer.alloc(70 * 1024, 0x61))),
  fc.constant(Buffer.alloc(0)),
);
/** A large body that a failure report names instead of printing. */
function big(label: string, bytes: Buffer): Buffer {
  return Object.assign(bytes, { [fc.toStringMethod]: () => `<${label}>` });
}

/** How the body is framed: honestly, with a length that lies, or not at all. */
const framing = fc.constantFrom("exact", "exact", "exact", "exact", "short", "none", "chunked");

function frame(kind: string, body: Buffer): { headers: string; body: Buffer } {
  switch (kind) {
    case "short":
      // Claims fewer bytes than sent: the rest is a garbage second request on a closing connection.
      return { headers: `content-length: ${Math.max(0, body.length - 3)}\r\n`, body };
    case "none":
      return { headers: "", body: Buffer.alloc(0) };
    case "chunked":
      return {
        headers: "transfer-encoding: chunked\r\n",
        body: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]),
      };
    default:
      return { headers: `content-length: ${body.length}\r\n`, body };
  }
}

function noSecretIn(text: string): void {
  for (const s of [...SECRETS, TOKEN]) expect(text.includes(s), `answer holds a secret: ${text.slice(0, 300)}`).toBe(false);
}

async function legitimateCall(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "still there?" }], max_tokens: 4 }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("the proxy under hostile HTTP", () => {
  it("answers every request with a clear status and no secret, keeps serving, and leaves no lease open", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, hostilePath, credential, fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, fc.array(extraHeader, { maxLength: 4 })), jsonBody, framing, async (m, path, cred, extra, body, how) => {
        const framed = frame(how, body);
        const headerLines = [
          `host: 127.0.0.1:${port}`,
          "content-type: application/json",
          ...(cred === undefined ? [] : [`${cred[0]}: ${cred[1]}`]),
          ...extra.map(([k, v]) => `${k}: ${v}`),
          "connection: close",
        ];
        const head = `${m} ${path} HTTP/1.1\r\n${headerLines.join("\r\n")}\r\n${framed.headers}\r\n`;
        // Announced chunks that never come: the server rightly waits for them (until its receive timeout).
        const owesBody = how === "none" && extra.some(([k, v]) => k === "transfer-encoding" && v === "chunked");
        const raw = await rawRequest(head, framed.body, owesBody ? 1_000 : 10_000);
        if (raw === undefined) {
          expect(owesBody, `no answer within 10 s to ${JSON.stringify(head.slice(0, 300))}`).toBe(true);
          return;
        }
        // An interim 100 Continue (the client sent Expect) comes before the answer.
        const answer = raw.toString("latin1").replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "");
        const statusLine = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
        expect(statusLine, `not an HTTP answer: ${JSON.stringify(answer.slice(0, 120))}`).not.toBeNull();
        const code = Number(statusLine![1]);
        seen.set(code, (seen.get(code) ?? 0) + 1);
        expect(ACCEPTABLE.has(code), `status ${code} for ${m} ${path.slice(0, 80)}: ${answer.slice(0, 400)}`).toBe(true);
        noSecretIn(answer);
      }),
      { numRuns: RUNS },
    );
    console.info(`proxy fuzz: statuses seen ${JSON.stringify(Object.fromEntries([...seen].sort((a, b) => a[0] - b[0])))}`);
    // The fuzzer reached past authentication into the provider, not only the front door; and whatever it sent,
    // every request that reached the provider carried a pool key, never the client's token or nothing.
    const upstream = sim.stats();
    expect(upstream.totals.requests).toBeGreaterThan(0);
    expect(upstream.unknownKeyRequests).toBe(0);
    expect(seen.get(401) ?? 0).toBeGreaterThan(0);
    expect(await legitimateCall()).toBe(200);
    const deadline = Date.now() + 5_000;
    const open = () => [...server.pool.keys()].reduce((n, k) => n + k.key.inFlight, 0);
    while (open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(open()).toBe(0);
  }, 30_000 + RUNS * 100);
});
