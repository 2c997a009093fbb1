/** Starts admitted at most per event-loop turn, so that calls arriving meanwhile are read and queued before the next batch. */
const STARTS_PER_TURN = 32;
/**
 * Starts per turn while more than one client is calling. A call that arrives
 * behind a burst waits for about two turns (the one under way when its bytes
 * come in, then its own), and a turn's length is its answers': grpc-js writes
 * them after the batch. Fewer per turn shortens the wait, at the price of
 * smaller writes (measured in docs/performance.md 6d: a tenth more CPU per
 * call of the burst), so a client calling alone keeps the larger batch.
 */
const SHARED_STARTS_PER_TURN = 4;
/** Turns after a second client was seen during which the smaller batch holds. */
const SHARED_TURNS = 256;

/**
 * Per-client admission before the pool: each client's calls wait in its own
 * queue, and queues are served round-robin, a bounded number of starts per
 * event-loop turn. A client that sends 10,000 calls at once queues behind
 * itself; another client's call, arriving in the middle, is started within
 * one turn instead of after the whole burst, and turns shrink while more
 * than one client calls. Only the order of starts is governed: a started
 * call (a waiting acquisition included) runs as before.
 */
export class FairAdmission {
  private readonly queues = new Map<string, (() => void)[]>();
  /** Clients with queued calls, in serving order. */
  private ring: string[] = [];
  private scheduled = false;
  private startedTotal = 0;
  private lastClient: string | undefined;
  /** Turns left during which more than one client counts as calling. */
  private sharedTurnsLeft = 0;
  private readonly sharedStartsPerTurn: number;

  constructor(
    private readonly startsPerTurn = STARTS_PER_TURN,
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
    sharedStartsPerTurn = SHARED_STARTS_PER_TURN,
  ) {
    this.sharedStartsPerTurn = Math.min(startsPerTurn, sharedStartsPerTurn);
  }

  /** Queues `start` for `client`; it runs in a later turn, in its client's turn. */
  admit(client: string, start: () => void): void {
    let queue = this.queues.get(client);
    if (queue === undefined) {
      queue = [];
      this.queues.set(client, queue);
      this.ring.push(client);
    }
    queue.push(start);
    if (client !== this.lastClient) {
      if (this.lastClient !== undefined) this.sharedTurnsLeft = SHARED_TURNS;
      this.lastClient = client;
    }
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
    let budget = this.startsPerTurn;
    if (this.sharedTurnsLeft > 0) {
      this.sharedTurnsLeft -= 1;
      budget = this.sharedStartsPerTurn;
    }
    for (; budget > 0 && this.ring.length > 0; budget--) {
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
