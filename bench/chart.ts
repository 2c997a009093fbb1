/**
 * Turns bench/results/*.json into SVG charts and bench/results/summary.md.
 *
 *   node dist/bench/chart.js
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  balancerChart,
  brokerChart,
  goodputChart,
  proxyChart,
  soakChart,
  summaryMarkdown,
  type AllResults,
  type BalancerResult,
  type BrokerResult,
  type FleetResult,
  type GoodputResult,
  type ProxyResult,
  type SoakResult,
} from "./lib/report.js";
import { readResult, resultsDir } from "./lib/results.js";

const all: AllResults = {
  goodput: readResult<GoodputResult>("goodput"),
  broker: readResult<BrokerResult>("broker-overhead"),
  balancer: readResult<BalancerResult>("balancer"),
  proxy: readResult<ProxyResult>("proxy"),
  soak: readResult<SoakResult>("soak"),
  soakLong: readResult<SoakResult>("soak-long"),
  fleet: readResult<FleetResult>("fleet"),
};
const dir = resultsDir();
const written: string[] = [];
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  written.push(name);
};
if (all.goodput !== undefined) write("goodput.svg", goodputChart(all.goodput));
if (all.broker !== undefined) write("broker-overhead.svg", brokerChart(all.broker));
if (all.balancer !== undefined) write("balancer.svg", balancerChart(all.balancer));
if (all.proxy !== undefined) write("proxy.svg", proxyChart(all.proxy));
if (all.soak !== undefined) write("soak.svg", soakChart(all.soak));
if (all.soakLong !== undefined) write("soak-long.svg", soakChart(all.soakLong));
write("summary.md", summaryMarkdown(all));
process.stdout.write(`chart: wrote ${written.map((n) => `bench/results/${n}`).join(", ")}\n`);
