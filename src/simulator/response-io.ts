import type { ServerResponse } from "node:http";
import type { HttpReply } from "./sim-error.js";

/**
 * Writes one response, and knows when to stop: once the client goes away or
 * `abort()` is called (the simulator closing), pauses end early and writes
 * are skipped, so a cut stream stops at once.
 */
export class ResponseIo {
  private readonly controller = new AbortController();
  private finished = false;

  constructor(private readonly res: ServerResponse) {
    res.once("close", () => {
      if (!res.writableFinished) this.abort();
    });
  }

  /** Stops this response where it is (the client left, or the simulator is closing). */
  abort(): void {
    this.controller.abort();
  }

  /** False once the client has gone or the simulator is closing. */
  get open(): boolean {
    return !this.controller.signal.aborted;
  }

  /** True once the whole response was handed to the socket. */
  get completed(): boolean {
    return this.finished;
  }

  /** Sends a whole JSON reply. */
  send(reply: HttpReply, extraHeaders: Record<string, string> = {}): void {
    if (!this.open) return;
    const body = JSON.stringify(reply.body);
    this.res.writeHead(reply.status, {
      ...reply.headers,
      ...extraHeaders,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    });
    this.finished = true;
    this.res.end(body);
  }

  /** Sends 200 and the headers of a stream. */
  startStream(contentType: string, headers: Record<string, string>): void {
    if (!this.open) return;
    this.res.writeHead(200, { ...headers, "content-type": contentType, "cache-control": "no-cache" });
    this.res.flushHeaders();
  }

  /** Writes a piece of the stream; false if the client is gone. Waits for `drain` when the socket is full. */
  async write(text: string): Promise<boolean> {
    if (!this.open) return false;
    if (this.res.write(text)) return true;
    const signal = this.controller.signal;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.res.on("drain", done);
      signal.addEventListener("abort", done);
    });
    return this.open;
  }

  /** Ends the stream. */
  end(): void {
    if (!this.open) return;
    this.finished = true;
    this.res.end();
  }

  /** Waits `ms` (real time); false if the client went away meanwhile. */
  async pause(ms: number): Promise<boolean> {
    if (ms <= 0 || !this.open) return this.open;
    const signal = this.controller.signal;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    });
    return this.open;
  }
}
