/** Starts admitted at most per event-loop turn, so that calls arriving meanwhile are read and queued before the next batch. */
const STARTS_PER_TURN = 32;

/**
 * Per-client admission before the pool: each client's calls wait in its own
 * queue, and queues are served round-robin, a bounded number of starts per
 * event-loop turn. A client that sends 10,000 calls at once queues behind
 * itself; another client's call, arriving in the middle, is started within
 * one turn instead of after the whole burst. Only the order of starts is
 * governed: a started call (a waiting acquisition included) runs as before.
 */
export class FairAdmission {
  private readonly queues = new Map<string, (() => void)[]>();
  /** Clients with queued calls, in serving order. */
  private ring: string[] = [];
  private scheduled = false;
  private startedTotal = 0;

  constructor(
    private readonly startsPerTurn = STARTS_PER_TURN,
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  /** Queues `start` for `client`; it runs in a later turn, in its client's turn. */
  admit(client: string, start: () => void): void {
    let queue = this.queues.get(client);
    if (queue === undefined) {
      queue = [];
      this.queues.set(client, queue);
      this.ring.push(client);
    }
    queue.push(start);
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.drain());
    }
  }

  /** Calls waiting to start, over all clients. */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Calls started since creation. */
  get started(): number {
    return this.startedTotal;
  }

  private drain(): void {
    this.scheduled = false;
    for (let budget = this.startsPerTurn; budget > 0 && this.ring.length > 0; budget--) {
      // The ring turns one start at a time: each client with queued calls gets one, then goes to the back.
      const client = this.ring.shift()!;
      const queue = this.queues.get(client)!;
      const start = queue.shift()!;
      if (queue.length > 0) this.ring.push(client);
      else this.queues.delete(client);
      this.startedTotal += 1;
      start();
    }
    if (this.ring.length > 0) {
      this.scheduled = true;
      this.defer(() => this.drain());
    }
  }
}
