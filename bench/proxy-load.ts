/**
 * The load generator of the proxy benchmark, run in its own process (forked
 * by proxy.js) so that neither proxy shares its process. Sends chat
 * completions with undici over keep-alive connections, checks every answer,
 * receives one job over IPC, sends back one result, exits.
 */
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { latencyUs, round, type LatencyUs } from "./lib/percentile.js";
import { checkChatAnswer } from "./lib/proxy-workload.js";
import { drive } from "./lib/load-loop.js";

export interface ProxyLoadJob {
  /** The chat completions URL of the target. */
  readonly url: string;
  /** Headers of each request, used in turn (the direct baseline rotates over the keys this way). */
  readonly headers: readonly Record<string, string>[];
  readonly body: string;
  readonly stream: boolean;
  readonly mode: "closed" | "open";
  /** Closed loop: requests in flight at once. */
  readonly concurrency: number;
  /** Open loop: requests started per second, on schedule whatever the answers do. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface ProxyLoadResult {
  /** Successful answers completed within the measured interval. */
  readonly ok: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Start (or scheduled start, open loop) to the last byte of the answer, of requests started in the measured interval. */
  readonly latencyUs: LatencyUs;
  /** Start to the first byte of the body (streams: the first event). */
  readonly firstByteUs: LatencyUs;
  /** Failed answers or requests, warm-up included: any is a failed run. */
  readonly errors: number;
  /** Failures by reason (`HTTP 502`, `stream without its final data: [DONE]`, a network error's code). */
  readonly errorReasons: Record<string, number>;
  readonly firstError: string | undefined;
  /** Open loop: requests still unanswered when the run ended. */
  readonly unfinished: number;
}

async function run(job: ProxyLoadJob): Promise<ProxyLoadResult> {
  const connections = job.mode === "closed" ? job.concurrency : 256;
  const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  const firstBytes: number[] = [];
  let ok = 0;
  let errors = 0;
  const errorReasons: Record<string, number> = {};
  let firstError: string | undefined;
  let turn = 0;

  const fail = (reason: string, detail: string) => {
    errors += 1;
    errorReasons[reason] = (errorReasons[reason] ?? 0) + 1;
    firstError ??= detail;
  };

  const one = async (scheduled: number): Promise<void> => {
    const headers = job.headers[turn++ % job.headers.length] ?? {};
    try {
      const res = await request(job.url, { method: "POST", dispatcher: agent, headers, body: job.body });
      let firstByte = 0;
      let text = "";
      res.body.setEncoding("utf8");
      for await (const chunk of res.body as AsyncIterable<string>) {
        if (firstByte === 0) firstByte = performance.now();
        text += chunk;
      }
      const done = performance.now();
      const problem = checkChatAnswer(res.statusCode, text, job.stream);
      if (problem !== undefined) {
        fail(problem, `${problem}: ${text.slice(0, 300)}`);
        return;
      }
      if (done >= measureFrom && done <= end) ok += 1;
      if (scheduled >= measureFrom && done <= end) {
        latencies.push((done - scheduled) * 1000);
        firstBytes.push(((firstByte || done) - scheduled) * 1000);
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      fail(typeof code === "string" ? code : "request failed", err instanceof Error ? err.message : String(err));
    }
  };

  const unfinished = await drive(job, start, end, one);
  await agent.close();
  const seconds = job.durationMs / 1000;
  return {
    ok,
    seconds,
    requestsPerSecond: round(ok / seconds, 1),
    latencyUs: latencyUs(latencies),
    firstByteUs: latencyUs(firstBytes),
    errors,
    errorReasons,
    firstError,
    unfinished,
  };
}

process.once("message", (job: ProxyLoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1)),
  );
});
// Nothing to do without a job; a parent that died must not leave this process behind.
setTimeout(() => process.exit(3), 600_000).unref();
process.on("disconnect", () => process.exit(4));
