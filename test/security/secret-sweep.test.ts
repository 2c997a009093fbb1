import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import {
  KeyPoolServiceClient,
  Outcome,
  StreamStatsResponse,
  type AcquireKeyRequest,
  type AcquireKeyResponse,
  type ReportUsageRequest,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startSimulator } from "../../src/simulator/index.js";
import { tempDir } from "../reload/support.js";
import { runCli, startCli } from "../support/run-cli.js";

// Distinctive fake secrets: provider keys and client tokens.
const KEYS = ["sk-test-SWEEPopenai-0001", "sk-test-SWEEPopenai-0002", "AIza-test-SWEEPgoogle-0003", "sk-ant-test-SWEEPanthropic-0004"];
const ADMIN = "kp-test-SWEEPadmin-token-01";
const APP = "kp-test-SWEEPapp-token-0002";
const STRANGER = "kp-test-SWEEPstranger-token";
const ALL = [...KEYS, ADMIN, APP, STRANGER];
/** The distinctive middles, so that a partly masked secret is caught too. */
const FRAGMENTS = ["SWEEPopenai", "SWEEPgoogle", "SWEEPanthropic", "SWEEPadmin", "SWEEPapp", "SWEEPstranger"];

function md(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

describe("secret hygiene across every output of a running sidecar", () => {
  it("no log line, span, metric, statistic, error or CLI output carries a configured key or token", async () => {
    // The provider behind the proxy: it knows the OpenAI keys, and must never see a client token.
    const sim = await startSimulator({ keys: { [KEYS[0]!]: { label: "o1" }, [KEYS[1]!]: { label: "o2" } } });
    const dir = tempDir();
    const config = join(dir, "keypool.json");
    const tokens = join(dir, "tokens.json");
    writeFileSync(
      config,
      JSON.stringify({
        openai: { keys: ["${OPENAI_API_KEYS}"], rpm: 100, base_url: `${sim.url}/v1` },
        google: { keys: [KEYS[2]] },
        anthropic: { keys: [{ key: KEYS[3], id: "claude-main" }] },
      }),
      { mode: 0o600 },
    );
    writeFileSync(
      tokens,
      JSON.stringify({
        clients: [
          { name: "ops", token: ADMIN, providers: ["*"], admin: true },
          { name: "app", token: "${APP_TOKEN}", providers: ["openai", "google"] },
        ],
      }),
      { mode: 0o600 },
    );
    const env = {
      OPENAI_API_KEYS: `${KEYS[0]},${KEYS[1]}`,
      APP_TOKEN: APP,
      KEYPOOL_LOG_LEVEL: "debug",
      OTEL_TRACES_EXPORTER: "console",
      OTEL_SERVICE_NAME: "keypool-sweep",
    };
    const outputs: [string, string][] = [];
    const cli = startCli(
      ["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--config", config, "--tokens-file", tokens],
      env,
    );
    try {
      const [, grpcAddress] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)"/);
      const [, adminAddress] = await cli.waitFor(/"admin":"(127\.0\.0\.1:\d+)"/);
      const [, proxyAddress] = await cli.waitFor(/"proxy":"(127\.0\.0\.1:\d+)"/);
      const client = new KeyPoolServiceClient(grpcAddress as string, credentials.createInsecure());
      const call = <T>(fn: (cb: (err: ServiceError | null, res: T) => void) => void) =>
        new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
      const acquire = (token: string, req: Partial<AcquireKeyRequest>) =>
        call<AcquireKeyResponse>((cb) =>
          client.acquireKey({ provider: "openai", model: "", estimatedTokens: 10, maxWait: undefined, leaseTtl: undefined, clientId: "sweep", ...req }, md(token), cb),
        );
      const report = (token: string, req: Partial<ReportUsageRequest> & { leaseId: string }) =>
        call((cb) =>
          client.reportUsage(
            { outcome: 0, httpStatus: 0, promptTokens: 0, completionTokens: 0, latency: undefined, retryAfter: undefined, errorMessage: "", responseHeaders: {}, errorBody: Buffer.alloc(0), ...req },
            md(token),
            cb,
          ),
        );
      const failure = async (p: Promise<unknown>, what: string) => {
        const err = (await p.then(() => undefined, (e: ServiceError) => e)) as ServiceError | undefined;
        outputs.push([what, `${err?.code} ${err?.details ?? ""}`]);
      };

      // Traffic with outcomes whose provider messages quote the secrets themselves.
      for (let i = 0; i < 6; i++) {
        const lease = await acquire(APP, {});
        expect(KEYS).toContain(lease.apiKey);
        await report(APP, { leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 12, completionTokens: 30, latency: durationFromMs(120) });
      }
      const limited = await acquire(APP, {});
      await report(APP, { leaseId: limited.leaseId, httpStatus: 429, retryAfter: durationFromMs(5_000), errorMessage: `Rate limit reached for key ${limited.apiKey}` });
      const revoked = await acquire(APP, { provider: "google" });
      await report(APP, { leaseId: revoked.leaseId, httpStatus: 401, errorMessage: `API key not valid: ${revoked.apiKey} (token ${APP})` });
      // The provider's answer itself, quoting the key in headers and in a quota body: read at debug level, never echoed.
      const quoted = await acquire(ADMIN, { provider: "anthropic" });
      const quotaBody = {
        error: {
          code: 429,
          message: `Quota exceeded for ${quoted.apiKey}`,
          details: [{ "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: quoted.apiKey, quotaDimensions: { model: quoted.apiKey } }] }],
        },
      };
      await report(ADMIN, {
        leaseId: quoted.leaseId,
        httpStatus: 429,
        responseHeaders: { "anthropic-ratelimit-requests-remaining": quoted.apiKey, "anthropic-ratelimit-requests-limit": "100", "retry-after": "3", "set-cookie": `k=${quoted.apiKey}` },
        errorBody: Buffer.from(JSON.stringify(quotaBody)),
      });
      // The same pool through the proxy: a plain and a streamed call, a provider failure, a wrong token, a provider out of scope.
      const proxied = async (what: string, path: string, token: string, body: object) => {
        const res = await fetch(`http://${proxyAddress}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        outputs.push([`proxy: ${what}`, `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`]);
      };
      const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 8 };
      await proxied("chat", "/openai/v1/chat/completions", APP, chat);
      await proxied("streamed chat", "/openai/v1/chat/completions", APP, { ...chat, stream: true, stream_options: { include_usage: true } });
      sim.failNext(KEYS[0]!, 500);
      sim.failNext(KEYS[1]!, 500);
      await proxied("provider error", "/openai/v1/chat/completions", APP, chat);
      await proxied("wrong token", "/openai/v1/chat/completions", STRANGER, chat);
      await proxied("wrong token in the query", `/openai/v1/chat/completions?key=${STRANGER}`, STRANGER, chat);
      await proxied("out of scope", "/anthropic/v1/messages", APP, { model: "claude", max_tokens: 8, messages: [] });
      expect(sim.stats().unknownKeyRequests).toBe(0);
      // Every key probed through the simulator, which knows only the OpenAI ones: the others are invalid, with the provider's reason.
      const probeConfig = join(dir, "check-keys.json");
      writeFileSync(
        probeConfig,
        JSON.stringify({
          openai: { keys: ["${OPENAI_API_KEYS}"], base_url: `${sim.url}/v1` },
          google: { keys: [KEYS[2]], base_url: sim.url },
          anthropic: { keys: [{ key: KEYS[3], id: "claude-main" }], base_url: sim.url },
        }),
        { mode: 0o600 },
      );
      const probed = await runCli(["check-keys", "--config", probeConfig], { OPENAI_API_KEYS: env.OPENAI_API_KEYS });
      outputs.push(["keypool check-keys", `${probed.code} ${probed.stdout}${probed.stderr}`]);
      // Refusals and attacks.
      await failure(acquire(STRANGER, {}), "unknown token");
      await failure(acquire(APP, { provider: "anthropic" }), "out of scope");
      await failure(acquire(APP, { provider: KEYS[0] }), "a secret as provider");
      await failure(report(ADMIN, { leaseId: limited.leaseId, outcome: Outcome.OUTCOME_SUCCESS }), "another client's lease");
      await failure(
        call((cb) => client.reloadConfig({ configJson: JSON.stringify({ openai: { keys: [{ key: KEYS[0], rpm: -1 }], [KEYS[1]]: 1 } }) }, md(ADMIN), cb)),
        "rejected inline reload",
      );
      await failure(call((cb) => client.reloadConfig({ configJson: "" }, md(APP), cb)), "non-admin reload");
      // A rejected file reload and a rejected tokens file, while serving.
      writeFileSync(config, `{"openai": {"keys": ["${KEYS[0]}", }}`);
      writeFileSync(tokens, `{"clients": [{"name": "x", "token": "${STRANGER}"`);
      await cli.waitFor(/config reload rejected/);
      await cli.waitFor(/tokens file rejected/);

      const stream = client.streamStats({ providers: [], interval: durationFromMs(200) }, md(APP));
      const first = await new Promise<StreamStatsResponse>((resolve, reject) => {
        stream.once("data", resolve);
        stream.once("error", reject);
      });
      stream.cancel();
      outputs.push(["StreamStats", JSON.stringify(StreamStatsResponse.toJSON(first))]);
      client.close();

      const admin = { authorization: `Bearer ${ADMIN}` };
      for (const path of ["/metrics", "/v1/stats", "/healthz", "/readyz", "/v1/stats?provider=nope", "/nowhere", "/", "/dashboard.js"]) {
        const res = await fetch(`http://${adminAddress}${path}`, { headers: admin });
        outputs.push([`GET ${path}`, await res.text()]);
      }
      outputs.push(["GET /v1/stats with a wrong token", await (await fetch(`http://${adminAddress}/v1/stats`, { headers: { authorization: `Bearer ${STRANGER}` } })).text()]);

      for (const args of [
        ["stats", "--target", grpcAddress as string],
        ["stats", "--target", grpcAddress as string, "--json"],
        ["reload", "--target", grpcAddress as string],
        ["check-config", "--config", join(dir, "missing.json")],
      ]) {
        const res = await runCli(args, { KEYPOOL_TOKEN: ADMIN, OPENAI_API_KEYS: env.OPENAI_API_KEYS });
        outputs.push([`keypool ${args[0]}`, res.stdout + res.stderr]);
      }
      const checked = await runCli(["check-config", "--config", join(dir, "valid.json")], {});
      outputs.push(["check-config of a missing file", checked.stdout + checked.stderr]);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
      await sim.close();
    }
    outputs.push(["server stdout and stderr (logs, console spans)", cli.output()]);

    // The sweep saw real content: logs with state changes and spans, metrics, statistics.
    const all = Object.fromEntries(outputs);
    expect(all["server stdout and stderr (logs, console spans)"]).toMatch(/key cooling down/);
    expect(all["server stdout and stderr (logs, console spans)"]).toMatch(/keypool\.v1\.KeyPoolService\/AcquireKey/);
    expect(all["GET /metrics"]).toMatch(/keypool_/);
    expect(all["keypool stats"]).toMatch(/openai/);
    expect(all["proxy: chat"]).toMatch(/^200 /);
    expect(all["proxy: streamed chat"]).toMatch(/^200 .*data: /s);
    expect(all["proxy: wrong token"]).toMatch(/^401 /);
    expect(all["proxy: out of scope"]).toMatch(/^403 /);
    expect(all["server stdout and stderr (logs, console spans)"]).toMatch(/POST \/openai/);
    expect(all["unknown token"]).toMatch(/^16 /);
    expect(all["server stdout and stderr (logs, console spans)"]).toMatch(/provider rate limits read/);
    expect(all["keypool check-keys"]).toMatch(/^1 .*…0003  invalid .*…0004  invalid .*, 2 invalid,/s);
    // Failed authentications are logged and counted, by listener and reason only.
    // One line per source and interval: the proxy's failure came first from this address.
    expect(all["server stdout and stderr (logs, console spans)"]).toMatch(/"listener":"proxy","source":"127\.0\.0\.1","method":"POST \/openai\/".*"msg":"authentication failed"/);
    expect(all["GET /metrics"]).toMatch(/^keypool_auth_failures_total\{[^}]*listener="proxy"[^}]*\} [1-9]/m);
    expect(all["GET /metrics"]).toMatch(/^keypool_auth_failures_total\{[^}]*listener="grpc"[^}]*reason="invalid_token"[^}]*\} [1-9]/m);
    for (const [surface, text] of outputs) {
      for (const secret of [...ALL, ...FRAGMENTS]) expect(text, `${surface} carries ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    // Seven CLI processes start on the way, each a Node start-up on a shared machine.
  }, 90_000);
});
