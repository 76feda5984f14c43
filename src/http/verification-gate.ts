import type { Clock } from "../clock.ts";

export interface VerificationGateLimits {
  /** Requests being read and verified at once in this process. */
  maxInFlight: number;
  /** Token bucket per client IP: this many at once, then `perClientPerMinute`. */
  perClientBurst: number;
  perClientPerMinute: number;
  /** Client buckets remembered at most; the least recently seen is forgotten first. */
  maxClients: number;
}

export type Admission =
  | { ok: true; release(): void }
  | { ok: false; reason: "client_rate_limited"; retryAfterSeconds: number }
  | { ok: false; reason: "busy"; retryAfterSeconds: number };

/** Bounds signature verifications an outsider can cause: per client IP, and in flight overall. */
export interface VerificationGate {
  admit(clientIp: string): Admission;
}

interface Bucket {
  tokens: number;
  updatedAtMillis: number;
}

/**
 * In memory, per process. What it protects is this process's CPU and memory (a body read into
 * memory, a hash over it, one native ECDSA check), which costs far less than the database round
 * trip a shared bucket would add to every unauthenticated request. N instances let a client N
 * times the rate, each within its own budget. A full bucket costs nothing to keep, so the map
 * forgets the least recently seen client first when it reaches `maxClients`.
 */
export function createVerificationGate(
  limits: VerificationGateLimits,
  clock: Clock,
): VerificationGate {
  const buckets = new Map<string, Bucket>();
  const millisPerToken = 60_000 / limits.perClientPerMinute;
  let inFlight = 0;

  function take(clientIp: string, nowMillis: number): number {
    const previous = buckets.get(clientIp);
    buckets.delete(clientIp);
    const refilled = previous
      ? previous.tokens + (nowMillis - previous.updatedAtMillis) / millisPerToken
      : limits.perClientBurst;
    const tokens = Math.min(limits.perClientBurst, refilled);
    const allowed = tokens >= 1;
    buckets.set(clientIp, { tokens: allowed ? tokens - 1 : tokens, updatedAtMillis: nowMillis });
    if (buckets.size > limits.maxClients) {
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
    return allowed ? 0 : Math.max(1, Math.ceil(((1 - tokens) * millisPerToken) / 1000));
  }

  return {
    admit(clientIp) {
      if (inFlight >= limits.maxInFlight) {
        return { ok: false, reason: "busy", retryAfterSeconds: 1 };
      }
      const retryAfterSeconds = take(clientIp, clock.now().getTime());
      if (retryAfterSeconds > 0) {
        return { ok: false, reason: "client_rate_limited", retryAfterSeconds };
      }
      inFlight += 1;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          inFlight -= 1;
        },
      };
    },
  };
}
