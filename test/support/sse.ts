/** Reads Server-Sent Events from a fetch response body, for tests. */
export class SseReader {
  readonly events: { event: string; data: string }[] = [];
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** Reads until `count` events have arrived in all; rejects after `timeoutMs` or when the stream ends first. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<{ event: string; data: string }> {
    const end = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (this.ended) throw new Error(`stream ended after ${this.events.length} events`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`only ${this.events.length} of ${count} events`);
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${this.events.length} of ${count} events`)), left)),
      ]);
      if (chunk.done) {
        this.ended = true;
        continue;
      }
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
      let sep: number;
      while ((sep = this.buffer.indexOf("\n\n")) >= 0) {
        const block = this.buffer.slice(0, sep);
        this.buffer = this.buffer.slice(sep + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length > 0) this.events.push({ event, data: data.join("\n") });
      }
    }
    return this.events[count - 1]!;
  }

  /** Reads to the end of the stream (the server closed it). */
  async drain(timeoutMs = 5_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = end - Date.now();
      if (left <= 0) throw new Error("stream still open");
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("stream still open")), left)),
      ]);
      if (chunk.done) this.ended = true;
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
