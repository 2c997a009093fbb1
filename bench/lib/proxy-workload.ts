/**
 * The pieces of the proxy benchmark (benchmark 4) that are pure: the request
 * it sends, how an answer is checked, the configurations of keypool and of
 * @portkey-ai/gateway over the same keys, and the small arithmetic on results.
 */
import { summarize } from "./percentile.js";

/** A deterministic prompt of about `chars` characters, so that every target receives the same bytes. */
export function promptText(chars: number): string {
  const words = "Summarise the following notes about connection pools, rate limits and retries in one sentence.";
  if (chars <= words.length) return words.slice(0, Math.max(1, chars));
  let out = words;
  for (let i = 1; out.length < chars; i++) out += ` Note ${i}: keys are leased least used first and reported after the call.`;
  return out.slice(0, chars);
}

/** The JSON body of one OpenAI chat completion request. */
export function chatBody(options: { promptChars: number; maxTokens: number; stream: boolean; model?: string }): string {
  return JSON.stringify({
    model: options.model ?? "gpt-4o-mini",
    max_tokens: options.maxTokens,
    messages: [{ role: "user", content: promptText(options.promptChars) }],
    ...(options.stream ? { stream: true } : {}),
  });
}

/**
 * Checks one answer of the simulated chat completions route as the load
 * generator sees it: undefined when it is a complete, successful completion,
 * otherwise a short reason (the same reason for every answer of one kind, so
 * that reasons can be counted).
 */
export function checkChatAnswer(statusCode: number, body: string, stream: boolean): string | undefined {
  if (statusCode !== 200) return `HTTP ${statusCode}`;
  if (stream) {
    if (!body.includes('"chat.completion.chunk"')) return "stream without a completion chunk";
    if (!/data: \[DONE\]\s*$/.test(body)) return "stream without its final data: [DONE]";
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "body is not JSON";
  }
  const p = parsed as { object?: unknown; choices?: { message?: { content?: unknown } }[] };
  if (p.object !== "chat.completion") return "not a chat.completion";
  const content = p.choices?.[0]?.message?.content;
  if (typeof content !== "string" || content === "") return "no completion text";
  return undefined;
}

/** One `x-portkey-config` target per key: OpenAI's wire format at a custom host. */
export interface PortkeyTarget {
  readonly provider: "openai";
  readonly api_key: string;
  readonly custom_host: string;
}

/**
 * The gateway config that load-balances over `secrets` (equal weights), each
 * sent to `customHost` (an OpenAI base URL such as `http://127.0.0.1:PORT/v1`),
 * with no retries, cache or hooks: the closest equivalent of keypool's proxy
 * over the same keys.
 */
export function portkeyLoadBalanceConfig(secrets: readonly string[], customHost: string): {
  strategy: { mode: "loadbalance" };
  targets: PortkeyTarget[];
} {
  return {
    strategy: { mode: "loadbalance" },
    targets: secrets.map((api_key) => ({ provider: "openai", api_key, custom_host: customHost })),
  };
}

/** keypool's JSON config file (README "From a JSON file") for `secrets` of provider openai at `baseUrl`. */
export function keypoolProxyConfig(
  secrets: readonly string[],
  baseUrl: string,
  limits: { rpm?: number | undefined; tpm?: number | undefined } = {},
): Record<string, unknown> {
  return {
    openai: {
      base_url: baseUrl,
      ...(limits.rpm === undefined ? {} : { rpm: limits.rpm }),
      ...(limits.tpm === undefined ? {} : { tpm: limits.tpm }),
      keys: secrets.map((key, i) => ({ key, id: `bench-${i + 1}`, label: `key ${i + 1}` })),
    },
  };
}

/**
 * User plus system CPU time, in milliseconds, from the text of
 * `/proc/<pid>/stat` (fields 14 and 15, in clock ticks); undefined when the
 * text is not such a line. The command name (field 2) may contain spaces and
 * parentheses, so the fields are counted from its closing parenthesis.
 */
export function procCpuMs(statText: string, ticksPerSecond = 100): number | undefined {
  const close = statText.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ") ": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const fields = statText.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || fields.length < 13) return undefined;
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** What is added by a proxy: its p50 and p99 minus the direct ones (µs in, µs out). */
export function addedLatency(
  proxy: { readonly p50: number; readonly p99: number },
  direct: { readonly p50: number; readonly p99: number },
): { p50: number; p99: number } {
  return { p50: proxy.p50 - direct.p50, p99: proxy.p99 - direct.p99 };
}

/** Requests per key, as the fraction of the most loaded key over the mean: 1 is perfectly even. */
export function imbalance(perKey: readonly number[]): number {
  const s = summarize(perKey);
  if (s.count === 0 || !(s.mean > 0)) return Number.NaN;
  return s.max / s.mean;
}

/** Which of two values is better (higher throughput, or lower latency), and by what factor; "tie" within `tolerance`. */
export function compare(
  keypool: number,
  peer: number,
  better: "higher" | "lower",
  tolerance = 0,
): { winner: "keypool" | "peer" | "tie"; factor: number } {
  if (!Number.isFinite(keypool) || !Number.isFinite(peer) || keypool <= 0 || peer <= 0) return { winner: "tie", factor: Number.NaN };
  const factor = better === "higher" ? keypool / peer : peer / keypool;
  if (Math.abs(factor - 1) <= tolerance) return { winner: "tie", factor };
  return { winner: factor > 1 ? "keypool" : "peer", factor };
}
