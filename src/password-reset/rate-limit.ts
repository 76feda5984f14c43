import type { Bucket, BucketState } from "../rate-limits/ports.ts";

export interface LimitRule {
  burst: number;
  perMinute: number;
}

export interface ResetLimits {
  perEmail: LimitRule;
  perIp: LimitRule;
}

/** What a client is told: the standard X-RateLimit-* figures of the tightest bucket. */
export interface RateLimitStatus {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** UTC epoch seconds at which the bucket is full again. */
  resetAt: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** Per (client IP, email) as Auth0 does, and per IP across emails so one IP cannot spray addresses. */
export function resetRequestBuckets(
  limits: ResetLimits,
  clientIp: string,
  email: string,
): Bucket[] {
  return [
    {
      key: `reset:ip-email:${clientIp}:${email}`,
      capacity: limits.perEmail.burst,
      perMinute: limits.perEmail.perMinute,
    },
    {
      key: `reset:ip:${clientIp}`,
      capacity: limits.perIp.burst,
      perMinute: limits.perIp.perMinute,
    },
  ];
}

/** A per-target bucket, so staff cannot mail-bomb one user whatever their IP. */
export function targetBucket(limits: ResetLimits, email: string): Bucket {
  return {
    key: `reset:target:${email}`,
    capacity: limits.perEmail.burst,
    perMinute: limits.perEmail.perMinute,
  };
}

/** One bucket per user (not per address typed): what reaches their inbox from the public API. */
export function recipientBucket(limit: LimitRule, userId: number): Bucket {
  return { key: `reset:recipient:${userId}`, capacity: limit.burst, perMinute: limit.perMinute };
}

export function summarizeBuckets(states: BucketState[], at: Date): RateLimitStatus {
  const nowSeconds = at.getTime() / 1000;
  const describe = (state: BucketState): RateLimitStatus => {
    const secondsPerToken = 60 / state.perMinute;
    return {
      allowed: state.allowed,
      limit: state.capacity,
      remaining: Math.max(0, Math.floor(state.tokens)),
      resetAt: Math.ceil(nowSeconds + (state.capacity - state.tokens) * secondsPerToken),
      retryAfterSeconds: state.allowed
        ? 0
        : Math.max(1, Math.ceil((1 - state.tokens) * secondsPerToken)),
    };
  };
  const described = states.map(describe);
  const denied = described.filter((status) => !status.allowed);
  if (denied.length > 0) {
    return denied.reduce((worst, status) =>
      status.retryAfterSeconds > worst.retryAfterSeconds ? status : worst,
    );
  }
  const [first, ...rest] = described;
  if (!first) throw new Error("no buckets to summarise");
  return rest.reduce(
    (tightest, status) => (status.remaining < tightest.remaining ? status : tightest),
    first,
  );
}
