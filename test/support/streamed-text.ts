/** A response body read as text a piece at a time, as a streaming caller sees it. */
export class StreamedText {
  text = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** Reads until the text so far contains `needle`; fails if the body ends first. */
  async until(needle: string): Promise<string> {
    while (!this.text.includes(needle)) {
      if (!(await this.readOnce())) throw new Error(`the body ended without ${JSON.stringify(needle)}: ${this.text}`);
    }
    return this.text;
  }

  /** Reads to the end of the body. */
  async toEnd(): Promise<string> {
    while (await this.readOnce());
    return this.text;
  }

  private async readOnce(): Promise<boolean> {
    const step = await this.reader.read();
    if (step.done) return false;
    this.text += this.decoder.decode(step.value, { stream: true });
    return true;
  }
}

/** What a streamed chat answer of ten tokens, one every 40 ms from the simulator's key k1, looked like to its reader. */
export interface StreamedChat {
  /** The provider still had the request open when the first token was read. */
  providerBusyAtFirstToken: boolean;
  /** Leases open when the first token was read, and at the end. */
  openLeasesAtFirstToken: number;
  openLeasesAtEnd: number;
  /** The whole body. */
  text: string;
}

/**
 * Reads `body` the way a streaming caller does, noting what the provider and the pool were doing when the first
 * token arrived (before the other nine: it did not wait for the rest, however slow the machine is) and at the end.
 */
export async function readStreamedChat(
  body: ReadableStream<Uint8Array>,
  sim: { keyStats(label: string): { inFlight: number } | undefined },
  pool: { openLeaseCount(): number },
): Promise<StreamedChat> {
  const stream = new StreamedText(body);
  const first = await stream.until('"content":"');
  const providerBusyAtFirstToken = sim.keyStats("k1")?.inFlight === 1 && !first.includes("[DONE]");
  const openLeasesAtFirstToken = pool.openLeaseCount();
  const text = await stream.toEnd();
  return { providerBusyAtFirstToken, openLeasesAtFirstToken, openLeasesAtEnd: pool.openLeaseCount(), text };
}
