import { afterEach } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";

/** Simulators started by a test, closed after it. */
const running: Simulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Starts a simulator on an ephemeral port with a manual clock unless the test brings its own. */
export async function start(options: Partial<SimulatorOptions> & Pick<SimulatorOptions, "keys">): Promise<{ sim: Simulator; clock: ManualClock }> {
  const clock = new ManualClock();
  const sim = await startSimulator({ now: () => clock.now(), ...options });
  running.push(sim);
  return { sim, clock };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** POSTs JSON (or a raw string) and reads the whole reply. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

export const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "12345678" }], // 2 prompt tokens
  ...extra,
});

/** The JSON payloads of `data:` lines of an SSE text (ignoring [DONE]). */
export function sseData(text: string): any[] {
  return text
    .split(/\r?\n\r?\n/)
    .flatMap((block) => block.split(/\r?\n/).filter((line) => line.startsWith("data: ")))
    .map((line) => line.slice("data: ".length))
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data));
}

/** [event, data] pairs of an SSE text with `event:` lines (Anthropic). */
export function sseEvents(text: string): [string, any][] {
  return text
    .split("\n\n")
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
      return [event, JSON.parse(data)];
    });
}
