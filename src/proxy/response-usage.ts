import { parseBody } from "../provider-http/http-outcome.js";
import { SseUsageTracker } from "../provider-http/sse-usage.js";
import type { TokenUsage } from "../provider-http/token-usage.js";
import { usageFromBody } from "../provider-http/usage-from-response.js";

/** Watches a response body go by and says what token usage it carried. */
export interface UsageWatcher {
  push(chunk: Uint8Array): void;
  /** Usage seen so far (a stream cut short). */
  partial(): TokenUsage | undefined;
  /** The body ended: the totals. */
  end(): TokenUsage | undefined;
}

/** JSON bodies up to this size are parsed whole; larger ones (big embedding batches) only by their tail. */
const WHOLE_JSON_BYTES = 1024 * 1024;
/** The tail kept of a larger body: providers put the usage object last. */
const TAIL_BYTES = 64 * 1024;

/**
 * The watcher for a response's content type: Server-Sent Events go through
 * the client library's SseUsageTracker (only the current line is held), JSON
 * through its usageFromBody (whole up to 1 MiB, else the last `usage` or
 * `usageMetadata` object of the final 64 KiB). Other bodies carry no usage.
 */
export function usageWatcher(contentType: string | undefined): UsageWatcher | undefined {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("text/event-stream")) {
    const sse = new SseUsageTracker();
    return { push: (c) => sse.push(c), partial: () => sse.usage(), end: () => sse.end() };
  }
  if (type.includes("json")) return new JsonUsage();
  return undefined;
}

class JsonUsage implements UsageWatcher {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    // undici's chunks are Buffers already; only another Uint8Array is wrapped (a view, not a copy).
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (this.size > WHOLE_JSON_BYTES) this.trim();
  }

  partial(): TokenUsage | undefined {
    return undefined;
  }

  end(): TokenUsage | undefined {
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const text = bytes.toString("utf8");
    // A body without a usage field cannot hold usage: not parsed.
    if (!text.includes('"usage')) return undefined;
    if (this.size <= WHOLE_JSON_BYTES) return usageFromBody(parseBody(text));
    return tailUsage(text);
  }

  /** Keeps the last TAIL_BYTES (at least) and drops the rest. */
  private trim(): void {
    let kept = 0;
    let i = this.chunks.length;
    while (i > 0 && kept < TAIL_BYTES) kept += (this.chunks[--i] as Buffer).byteLength;
    this.chunks = this.chunks.slice(i);
  }
}

/** The last `"usage": {...}` or `"usageMetadata": {...}` object in the text, read by usageFromBody. */
export function tailUsage(text: string): TokenUsage | undefined {
  for (const name of ["usageMetadata", "usage"]) {
    const marker = `"${name}"`;
    let at = text.lastIndexOf(marker);
    while (at >= 0) {
      const object = objectAfter(text, at + marker.length);
      if (object !== undefined) {
        const usage = usageFromBody({ [name]: object });
        if (usage !== undefined) return usage;
      }
      at = text.lastIndexOf(marker, at - 1);
    }
  }
  return undefined;
}

/** Parses `: {...}` starting at `from`; undefined when what follows is not a complete JSON object. */
function objectAfter(text: string, from: number): unknown {
  const m = /^\s*:\s*\{/.exec(text.slice(from, from + 64));
  if (m === null) return undefined;
  const start = from + m[0].length - 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, i + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
