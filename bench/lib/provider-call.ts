import { Agent, request } from "undici";

/** What a simulated provider call came back with. */
export interface ProviderResult {
  readonly status: number;
  /** From retry-after-ms (or retry-after seconds) on a 429. */
  readonly retryAfterMs: number | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/**
 * Calls the simulator's OpenAI chat completions route with `secret`, as an
 * application would call the provider with a leased key. Keep-alive
 * connections, body always consumed.
 */
export class ProviderCaller {
  private readonly agent: Agent;

  constructor(private readonly baseUrl: string, connections = 256) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async chat(secret: string, maxTokens = 16): Promise<ProviderResult> {
    const res = await request(`${this.baseUrl}/v1/chat/completions`, {
      method: "POST",
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", max_tokens: maxTokens, messages: [{ role: "user", content: "Say hello." }] }),
    });
    const text = await res.body.text();
    let retryAfterMs: number | undefined;
    if (res.statusCode === 429) {
      const ms = header(res.headers["retry-after-ms"]);
      const s = header(res.headers["retry-after"]);
      retryAfterMs = ms !== undefined ? Number(ms) : s !== undefined ? Number(s) * 1000 : undefined;
      if (retryAfterMs !== undefined && !Number.isFinite(retryAfterMs)) retryAfterMs = undefined;
    }
    let promptTokens = 0;
    let completionTokens = 0;
    if (res.statusCode === 200) {
      const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
      promptTokens = usage?.prompt_tokens ?? 0;
      completionTokens = usage?.completion_tokens ?? 0;
    }
    return { status: res.statusCode, retryAfterMs, promptTokens, completionTokens };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
