#!/usr/bin/env node
// `npm run screenshot`: starts a keypool sidecar with fake keys, plays twenty minutes of simulated
// traffic into its history in a few seconds (its clock is moved ahead 10 s at a time), then opens the
// real dashboard in Debian's Chromium (headless, through playwright-core) while live traffic runs (the
// OpenAI calls answered by the provider simulator, whose x-ratelimit-* headers the pool learns from),
// disables one key from the page as an operator would (the page's own button and reason form), and
// saves a screenshot at desktop width (docs/dashboard.png) and one at phone width
// (docs/dashboard-phone.png): the README's pictures.
//
//   node scripts/screenshot.mjs [--out FILE] [--phone-out FILE] [--seconds N] [--width PX] [--height PX]
//                               [--phone-width PX] [--viewport-only] [--color-scheme light|dark]
//
// Needs a build (`npm run build`, which the npm script runs first) and `apt-get install chromium`.
// The keys are obviously fake and never leave this process; the page shows ids and masked keys only.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_INSTALL, CHROMIUM_PATH } from "./chromium.mjs";
import { KeyPoolClient } from "../dist/clients/typescript/src/key-pool-client.js";
import { parseConfigDocument } from "../dist/src/config/index.js";
import { startKeypoolServer } from "../dist/src/keypool-server.js";
import { startSimulator } from "../dist/src/simulator/index.js";
import { silentLogger } from "../dist/src/telemetry/logger.js";


const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: "docs/dashboard.png" },
    "phone-out": { type: "string", default: "docs/dashboard-phone.png" },
    "phone-width": { type: "string", default: "390" },
    seconds: { type: "string", default: "40" },
    width: { type: "string", default: "1280" },
    height: { type: "string", default: "900" },
    "viewport-only": { type: "boolean", default: false },
    "color-scheme": { type: "string", default: "light" },
  },
});
const seconds = Number(args.seconds);
const width = Number(args.width);
const height = Number(args.height);
const phoneWidth = Number(args["phone-width"]);
const colorScheme = args["color-scheme"] === "dark" ? "dark" : "light";
if (!(seconds >= 20) || !(width >= 320) || !(height >= 320) || !(phoneWidth >= 320)) {
  process.stderr.write("screenshot: --seconds must be at least 20, --width, --phone-width and --height at least 320\n");
  process.exit(2);
}
if (!existsSync(CHROMIUM_PATH)) {
  process.stderr.write(`screenshot: ${CHROMIUM_PATH} not found; install it with: ${CHROMIUM_INSTALL}\n`);
  process.exit(1);
}

const secret = (name) => `sk-demo-dashboard-not-a-real-key-${name}`;
const openaiKeys = [
  // Two keys of one organization share its quota: a scope.
  { key: secret("0001"), id: "prod-a", label: "production A", scope: "org-main" },
  { key: secret("0002"), id: "prod-b", label: "production B", scope: "org-main" },
  { key: secret("0003"), id: "prod-c", label: "production C" },
  {
    key: secret("0004"),
    id: "batch",
    label: "batch jobs",
    weight: 2,
    rpm: 240,
    tpm: 120000,
    max_concurrent: 8,
    models: { "gpt-4o-mini": { rpm: 120, rpd: 20000 } },
  },
  { key: secret("0005"), id: "old-org", label: "previous organisation" },
];
const anthropicKeys = [
  { key: secret("1001"), id: "team-1" },
  { key: secret("1002"), id: "team-2" },
  { key: secret("1003"), id: "team-3" },
  { key: secret("1004"), id: "legacy", label: "legacy key" },
];
/** Twenty minutes of history before the page opens, played in 10 s steps. */
const PAST_MS = 20 * 60_000;
const STEP_MS = 10_000;
/** The sidecar's clock: wall-clock time, behind by `behind` while the past is played. */
let behind = PAST_MS;
const clock = {
  now: () => Date.now() - behind,
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t;
  },
  clearTimer: (t) => clearTimeout(t),
};

const configDocument = (openai) =>
  JSON.stringify({
    openai: {
      rpm: 120,
      tpm: 60000,
      max_concurrent: 4,
      scopes: { "org-main": { rpm: 200, tpm: 100000, models: { "gpt-4o": { rpm: 150 } } } },
      keys: openai,
    },
    anthropic: { rpm: 50, tpm: 40000, rpd: 5000, keys: anthropicKeys },
  });

const parsed = parseConfigDocument(configDocument(openaiKeys), {}, "screenshot configuration");
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const server = await startKeypoolServer({
  config: parsed.config,
  listen: "127.0.0.1:0",
  adminListen: "127.0.0.1:0",
  log: silentLogger(),
  clock,
});
const pool = new KeyPoolClient(server.grpcAddress);
// OpenAI as its answers look: the organization's limits for the keys of org-main, each other key its own.
const simulator = await startSimulator({
  keys: {
    [secret("0001")]: { label: "prod-a", project: "org-main" },
    [secret("0002")]: { label: "prod-b", project: "org-main" },
    [secret("0003")]: { label: "prod-c", rpm: 500, tpm: 200000 },
    [secret("0004")]: { label: "batch", rpm: 1000, tpm: 400000 },
    [secret("0005")]: { label: "old-org", rpm: 500, tpm: 200000 },
  },
  projects: { "org-main": { rpm: 5000, tpm: 800000 } },
  latency: { baseMs: 180, jitterMs: 520, seed: 7 },
  completionTokens: 250,
});
const profile = mkdtempSync(join(tmpdir(), "keypool-screenshot-"));
const stop = new AbortController();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const between = (a, b) => a + Math.random() * (b - a);

const MODELS = { openai: ["gpt-4o", "gpt-4o", "gpt-4o-mini"], anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5"] };
const modelFor = (provider) => MODELS[provider][Math.floor(Math.random() * MODELS[provider].length)];
const acquire = (provider, estimatedTokens = 800, model = modelFor(provider)) =>
  pool.acquire(provider, { estimatedTokens, maxWaitMs: 5_000, model });
const report = (lease, fields) => pool.report(lease, { outcome: "success", ...fields });

/** Leases until the balancer hands out `keyId` (reporting the others as successes), then returns that lease. */
async function leaseOf(provider, keyId) {
  for (let i = 0; i < 100; i++) {
    const lease = await acquire(provider).catch(() => undefined);
    if (lease === undefined) {
      await sleep(200);
      continue;
    }
    if (lease.keyId === keyId) return lease;
    await report(lease, { promptTokens: 400, completionTokens: 120, latencyMs: between(150, 450) });
  }
  throw new Error(`${provider}/${keyId} was not leased`);
}

/** A chat completion from the simulator with the leased key, reported with its answer's status, usage and rate-limit headers. */
async function openaiCall(lease, model) {
  const started = Date.now();
  const res = await fetch(`${simulator.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      max_tokens: Math.round(between(30, 250)),
      messages: [{ role: "user", content: "word ".repeat(Math.round(between(100, 700))) }],
    }),
  });
  const text = await res.text();
  const usage = res.ok ? JSON.parse(text).usage : undefined;
  await report(lease, {
    // The sidecar reads the outcome from the status, headers and error body, as it would from OpenAI's.
    outcome: undefined,
    httpStatus: res.status,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    latencyMs: Date.now() - started,
    responseHeaders: res.headers,
    ...(res.ok ? {} : { errorBody: Buffer.from(text) }),
  });
}

/** A simulated application: lease, call the provider (OpenAI: the simulator) or "call" it for a while, report, pause. */
async function worker(provider, pauseMs) {
  while (!stop.signal.aborted) {
    try {
      const model = modelFor(provider);
      const lease = await acquire(provider, 800, model);
      const fail = Math.random();
      if (provider === "openai" && fail >= 0.015) {
        await openaiCall(lease, model);
        await sleep(between(pauseMs[0], pauseMs[1]));
        continue;
      }
      const latencyMs = between(180, 700) + (Math.random() < 0.08 ? between(800, 2_400) : 0);
      await sleep(latencyMs);
      await report(lease, {
        outcome: fail < 0.015 ? "server_error" : "success",
        httpStatus: fail < 0.015 ? 503 : 200,
        promptTokens: Math.round(between(100, 700)),
        completionTokens: Math.round(between(30, 250)),
        latencyMs,
        ...(fail < 0.015 ? { errorMessage: "HTTP 503 overloaded" } : {}),
      });
    } catch {
      if (stop.signal.aborted) return;
    }
    await sleep(between(pauseMs[0], pauseMs[1]));
  }
}

/** One simulated call, reported at once: the past is played faster than it happened. */
async function pastCall(provider, outcome = "success") {
  const lease = await acquire(provider).catch(() => undefined);
  if (lease === undefined) return;
  const latencyMs = between(180, 700) + (Math.random() < 0.08 ? between(800, 2_400) : 0);
  await report(lease, {
    outcome,
    httpStatus: outcome === "rate_limited" ? 429 : outcome === "server_error" ? 503 : 200,
    promptTokens: Math.round(between(100, 700)),
    completionTokens: Math.round(between(30, 250)),
    latencyMs,
    ...(outcome === "rate_limited" ? { retryAfterMs: 1_000 } : {}),
  });
}

/** The past: a morning's traffic that grows, a burst of 429s, a few server errors. */
async function playPast() {
  const steps = PAST_MS / STEP_MS;
  for (let i = 0; i < steps; i++) {
    // About the rate of the live workers below, so that past and present read as one day.
    const load = 30 + Math.round(20 * Math.sin((i / steps) * Math.PI));
    for (let n = 0; n < load; n++) await pastCall("openai", Math.random() < 0.01 ? "server_error" : "success");
    for (let n = 0; n < 8; n++) await pastCall("anthropic");
    if (i >= steps - 45 && i < steps - 42) for (let n = 0; n < 3; n++) await pastCall("openai", "rate_limited");
    behind -= STEP_MS;
  }
  behind = 0;
}

let context;
try {
  await playPast();
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    colorScheme,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // The page opens after the past, which its charts load from the history; sparklines draw the live part.
  await page.goto(`http://${server.adminAddress}/`);
  const workers = [
    ...Array.from({ length: 5 }, () => worker("openai", [200, 600])),
    ...Array.from({ length: 2 }, () => worker("anthropic", [600, 1_600])),
  ];
  const t0 = Date.now();
  const at = (s) => sleep(Math.max(0, t0 + s * 1_000 - Date.now()));

  // A key whose provider says it is invalid, and one whose daily quota is gone.
  await at(2);
  await report(await leaseOf("anthropic", "legacy"), { outcome: "unauthorized", httpStatus: 401, errorMessage: "invalid x-api-key" });
  await report(await leaseOf("anthropic", "team-3"), {
    outcome: "quota_exhausted",
    httpStatus: 429,
    retryAfterMs: 47 * 60_000,
    errorMessage: "daily token quota exceeded",
  });

  // The operator takes a key out from the page itself, with a reason: the row shows who and why.
  await at(seconds - 20);
  const team2 = page.locator('section[data-provider="anthropic"] tr[data-key-id="team-2"]');
  await team2.locator('.action-button[data-action="disable"]').click();
  await team2.locator(".action-reason").fill("rotating, ticket OPS-142");
  await team2.locator(".action-confirm").click();
  await team2.locator(".action-result").waitFor();
  // Clicking scrolled the page: the pictures start at its top, topbar included.
  await page.evaluate(() => window.scrollTo(0, 0));

  // An old key is rotated out while one of its calls is still running: it drains.
  await at(seconds - 14);
  const held = await leaseOf("openai", "old-org");
  await server.reloader.applyDocument(configDocument(openaiKeys.filter((k) => k.id !== "old-org")), "api");

  // A 429 with Retry-After shortly before the picture: the key cools down.
  await at(seconds - 3);
  await report(await leaseOf("openai", "prod-c"), {
    outcome: "rate_limited",
    httpStatus: 429,
    retryAfterMs: 24_000,
    errorMessage: "Retry-After 24s",
  });
  await at(seconds);
  await page.waitForFunction(() => document.querySelector('tr[data-key-id="prod-c"]')?.getAttribute("data-state") === "cooling_down");
  await sleep(1_200);
  mkdirSync(dirname(args.out), { recursive: true });
  await page.screenshot({ path: args.out, fullPage: !args["viewport-only"] });
  process.stdout.write(`saved ${args.out} (${Math.round(statSync(args.out).size / 1024)} KB, ${width} px wide, ${colorScheme})\n`);
  // At phone width the page is one long column: the first screens (toolbar, tiles, charts, keys) say enough.
  await page.setViewportSize({ width: phoneWidth, height: 844 });
  await sleep(1_500);
  mkdirSync(dirname(args["phone-out"]), { recursive: true });
  await page.screenshot({ path: args["phone-out"], clip: { x: 0, y: 0, width: phoneWidth, height: 2_400 }, fullPage: true });
  process.stdout.write(`saved ${args["phone-out"]} (${Math.round(statSync(args["phone-out"]).size / 1024)} KB, ${phoneWidth} px wide, ${colorScheme})\n`);
  stop.abort();
  await report(held, { promptTokens: 300, completionTokens: 80 }).catch(() => undefined);
  await Promise.race([Promise.all(workers), sleep(3_000)]);
} finally {
  stop.abort();
  await context?.close();
  await pool.close();
  await server.stop(1_000);
  await simulator.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(0);
