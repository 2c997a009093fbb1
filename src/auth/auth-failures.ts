import { systemClock, type Clock } from "../clock/clock.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import { DEFAULT_PENALTY, FailurePenalty, type PenaltySettings, type PenaltyVerdict } from "./failure-penalty.js";

export type AuthListener = "grpc" | "admin" | "proxy";
export type AuthFailureReason = "missing_token" | "invalid_token";

/** Where a failed authentication came from: never the presented credential. */
export interface AuthAttempt {
  readonly listener: AuthListener;
  /** The client's address without its port ("127.0.0.1", "::1", "unix"). */
  readonly source: string;
  /** gRPC method or HTTP method and path, cut to a bounded length. */
  readonly method: string;
  /** Where the failure's line goes: any pino-like logger (auth stays below telemetry). */
  readonly log: { warn(fields: Record<string, unknown>, message: string): void };
}

export interface AuthFailureCount {
  readonly listener: AuthListener;
  readonly reason: AuthFailureReason;
  readonly response: PenaltyVerdict["response"];
  readonly count: number;
}

const MAX_METHOD_LENGTH = 128;

/**
 * Failed authentications on every listener: each is counted, logged at most
 * once per source and interval, and answered as the per-source penalty says.
 * One instance serves gRPC, admin HTTP and the proxy, so a source's failures
 * add up across them.
 */
export class AuthFailures {
  private readonly penalty: FailurePenalty;
  private readonly counts = new Map<string, AuthFailureCount>();

  constructor(
    private readonly clock: Clock = systemClock,
    settings: PenaltySettings = DEFAULT_PENALTY,
  ) {
    this.penalty = new FailurePenalty(settings);
  }

  /**
   * Records a failure and resolves, after the delay the penalty gives, with
   * the error to answer: the original UNAUTHENTICATED, or RESOURCE_EXHAUSTED
   * with a retry delay once the source is past its budget.
   */
  async answer(err: KeypoolError, reason: AuthFailureReason, attempt: AuthAttempt): Promise<KeypoolError> {
    const { verdict, logFailures } = this.penalty.fail(attempt.source, this.clock.now());
    this.count(attempt.listener, reason, verdict.response);
    if (logFailures !== undefined) {
      attempt.log.warn(
        {
          listener: attempt.listener,
          source: attempt.source,
          method: attempt.method.slice(0, MAX_METHOD_LENGTH),
          reason,
          response: verdict.response,
          failures: logFailures,
        },
        "authentication failed",
      );
    }
    if (verdict.response === "refused") {
      return new KeypoolError("RESOURCE_EXHAUSTED", "too many failed authentications from this address; retry later", verdict.retryAfterMs);
    }
    if (verdict.response === "delayed") {
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, verdict.delayMs));
      this.penalty.released(attempt.source);
    }
    return err;
  }

  /** Totals by listener, reason and response, for /metrics. */
  totals(): Iterable<AuthFailureCount> {
    return this.counts.values();
  }

  private count(listener: AuthListener, reason: AuthFailureReason, response: PenaltyVerdict["response"]): void {
    const key = `${listener}/${reason}/${response}`;
    const prev = this.counts.get(key);
    this.counts.set(key, { listener, reason, response, count: (prev?.count ?? 0) + 1 });
  }
}

/** A peer address without its port: gRPC's "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678", "unix:..." or a socket's remoteAddress. */
export function sourceOf(peer: string | undefined): string {
  if (peer === undefined || peer === "" || peer.startsWith("unix:")) return "unix";
  const bracketed = /^(?:ipv6:)?\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const v4 = /^(?:ipv4:)?([^:]+)(?::\d+)?$/.exec(peer);
  if (v4?.[1] !== undefined) return v4[1];
  // A bare IPv6 address (an HTTP socket's remoteAddress).
  return peer.replace(/^ipv6:/, "");
}
