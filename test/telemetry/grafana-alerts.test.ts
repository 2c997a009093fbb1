import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { parse as parseYaml } from "yaml";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { parsePrometheusText } from "../support/prometheus-text.js";
import { it } from "../support/keypool-fixture.js";

/*
 * The Grafana dashboard and the alerting rules in docs/ must only name
 * metrics that keypool exports: the names come from a real /metrics scrape
 * of a running sidecar that has seen traffic, not from a list kept here.
 */

const DASHBOARD = fileURLToPath(new URL("../../docs/grafana/keypool.json", import.meta.url));
const ALERTS = fileURLToPath(new URL("../../docs/alerts.yml", import.meta.url));

const ci = Boolean(process.env.CI);
const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
const promtoolMissing = promtool.error !== undefined;
// Locally a missing promtool skips with what to install; CI must have it.
if (promtoolMissing && !ci) console.warn("skipping promtool check rules: promtool is not installed; install it with: apt-get install prometheus");

const PROMQL_WORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or Grafana variables. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ");
  const names: string[] = [];
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length).trimStart();
    if (rest.startsWith("(") || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

/** Every PromQL expression in a Grafana dashboard: panel targets, variable queries, annotations. */
function dashboardExprs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) dashboardExprs(n, out);
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "expr" && typeof v === "string") out.push(v);
      else if (k === "query" && typeof v === "string") out.push(v.replace(/^label_values\((.*),\s*\w+\)$/, "$1"));
      else dashboardExprs(v, out);
    }
  }
  return out;
}

let exported: Set<string>;

it.beforeAll(async ({ fileKeypool }) => {
  const server = await fileKeypool.start({ adminListen: "127.0.0.1:0", config: poolConfig({ openai: fakeKeys(2) }) });
  const client = fileKeypool.connect(server.grpcAddress);
  // Counters and the latency histogram appear once something happened.
  for (const outcome of [Outcome.OUTCOME_SUCCESS, Outcome.OUTCOME_RATE_LIMITED]) {
    const lease = await client.acquire({ provider: "openai" });
    await client.report({ leaseId: lease.leaseId, outcome, promptTokens: 10, completionTokens: 5, latency: durationFromMs(400) });
  }
  const text = await (await fetch(`http://${server.adminAddress}/metrics`)).text();
  exported = new Set(parsePrometheusText(text).samples.map((s) => s.name));
});

describe("docs/grafana/keypool.json", () => {
  it("queries only metrics that keypool exports", () => {
    const exprs = dashboardExprs(JSON.parse(readFileSync(DASHBOARD, "utf8")));
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names, `no metric in ${expr}`).not.toEqual([]);
      for (const name of names) {
        expect(exported, `${name} (in ${expr}) is not exported`).toContain(name);
        used.add(name);
      }
    }
    // Rates, 429s, utilization, balance, waiting and latency are all charted.
    for (const name of ["keypool_acquisitions_total", "keypool_leases_total", "keypool_key_utilization", "keypool_balance_ratio", "keypool_acquisitions_waiting", "keypool_upstream_latency_seconds_bucket"]) {
      expect(used).toContain(name);
    }
  });

  it("every panel that draws data has a query and a datasource input to bind", () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: { type: string; title: string; targets?: { expr: string }[] }[]; __inputs: { name: string }[] };
    expect(dashboard.__inputs.map((i) => i.name)).toEqual(["DS_PROMETHEUS"]);
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
  });
});

describe("docs/alerts.yml", () => {
  const rules = () =>
    (parseYaml(readFileSync(ALERTS, "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

  it("has the rules operators expect, each over metrics that keypool exports", () => {
    expect(rules().map((r) => r.alert)).toEqual([
      "KeypoolKeyDisabled",
      "KeypoolProviderNoKeyAvailable",
      "KeypoolSustained429s",
      "KeypoolBalanceRatioLow",
      "KeypoolStoreDegraded",
    ]);
    for (const rule of rules()) {
      const names = metricNames(rule.expr);
      expect(names, rule.alert).not.toEqual([]);
      for (const name of names) expect(exported, `${name} (in ${rule.alert}) is not exported`).toContain(name);
    }
  });

  it.skipIf(promtoolMissing && !ci)("passes promtool check rules", () => {
    const res = spawnSync("promtool", ["check", "rules", ALERTS], { encoding: "utf8" });
    expect(res.error, "promtool is not installed (apt-get install prometheus)").toBeUndefined();
    expect({ status: res.status, out: res.stdout + res.stderr }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS: 5 rules found") });
  });
});

describe("metric name extraction", () => {
  it("finds metric names and skips functions, labels, keywords, strings and variables", () => {
    expect(metricNames('sum by (provider, le) (rate(keypool_x_bucket{provider=~"$provider", a="b(c)"}[$__rate_interval])) / on (provider) keypool_y > bool 0.5')).toEqual([
      "keypool_x_bucket",
      "keypool_y",
    ]);
    expect(metricNames("histogram_quantile(0.95, typo_metric)")).toEqual(["typo_metric"]);
  });
});
