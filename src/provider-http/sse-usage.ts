import { mergeUsage, type TokenUsage } from "./token-usage.js";
import { usageFromBody } from "./usage-from-response.js";

/**
 * Reads token usage out of a Server-Sent Events stream as its bytes pass by,
 * without holding the stream: only the current unfinished line is kept. Each
 * `data:` payload that names a usage field and parses as JSON is checked for usage (OpenAI's final
 * usage chunk, Gemini's `usageMetadata`, Anthropic's `message_start` and
 * `message_delta`); later counts replace earlier ones.
 */
export class SseUsageTracker {
  private readonly decoder = new TextDecoder();
  private line = "";
  private data: string[] = [];
  private current: TokenUsage | undefined;
  /** The previous chunk ended in CR: a leading LF now belongs to that line ending. */
  private afterCr = false;

  /** Feeds the next bytes (or text) of the stream, split anywhere. */
  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = this.afterCr && text.charCodeAt(0) === 10 ? 1 : 0;
    if (text.length > 0) this.afterCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line += text.slice(start, i);
      // CRLF is one line ending, also when the LF comes in the next chunk.
      if (c === 13) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      this.endLine();
      start = i + 1;
    }
    this.line += text.slice(start);
  }

  /** Usage seen so far; call after the stream ended for the totals. */
  usage(): TokenUsage | undefined {
    return this.current;
  }

  /** Ends the stream: an event not followed by a blank line still counts. */
  end(): TokenUsage | undefined {
    this.push(this.decoder.decode());
    if (this.line.length > 0) this.endLine();
    this.dispatch();
    return this.current;
  }

  private endLine(): void {
    const line = this.line;
    this.line = "";
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.startsWith("data:")) {
      this.data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    }
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const payload = this.data.join("\n");
    this.data = [];
    // Every usage field (usage, usageMetadata) has this key: an event without it is not parsed at all.
    if (!payload.startsWith("{") || !payload.includes('"usage')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    this.current = mergeUsage(this.current, usageFromBody(parsed));
  }
}
