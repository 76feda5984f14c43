import type { Clock } from "../clock.ts";
import type { Bucket, BucketState, RateLimitStore } from "../rate-limits/ports.ts";
import { type LimitRule, type RateLimitStatus, summarizeBuckets } from "./rate-limit.ts";
import { hashTicketToken } from "./tokens.ts";

/**
 * Refused submissions (mismatch, weak or reused password) one link may take. The one that
 * reaches it revokes the link: a link anyone can get for their own account must not buy an
 * unlimited number of password checks. Ten is more than a person needs to find a password the
 * checklist accepts.
 */
export const MAX_REJECTED_SUBMISSIONS = 10;

export interface ResetPageLimits {
  perIp: LimitRule;
  perTicket: LimitRule;
}

/**
 * Per client IP, and per link whatever the IP. The link's bucket is keyed by the token's
 * SHA-256 (what the tickets table holds), never by the token: rate_limits is not a secret store.
 */
export function resetSubmissionBuckets(
  limits: ResetPageLimits,
  clientIp: string,
  token: string,
): Bucket[] {
  return [
    {
      key: `reset-page:ip:${clientIp}`,
      capacity: limits.perIp.burst,
      perMinute: limits.perIp.perMinute,
    },
    {
      key: `reset-page:ticket:${hashTicketToken(token)}`,
      capacity: limits.perTicket.burst,
      perMinute: limits.perTicket.perMinute,
    },
  ];
}

/** Buckets remembered as empty at most; past it, a refusal is simply not remembered. */
const MAX_REMEMBERED_EMPTY_BUCKETS = 10_000;

export interface SubmissionLimiter {
  /**
   * Takes a token from the submission's buckets (one statement, shared by every instance). Called
   * before anything else is done with a submission, so a limited one costs no password work.
   */
  take(submission: { clientIp: string; token: string }): Promise<RateLimitStatus>;
}

/**
 * The reset page's rate limits. The database holds the buckets; this process also remembers,
 * until it refills, each bucket the database reported empty, and refuses a submission that needs
 * one without asking again. That is the answer the database would give (other instances only
 * ever take tokens, never add them), and it keeps a flood of refused posts from costing a write
 * and a commit each: measured, those writes alone slowed change_password several times.
 */
export function createSubmissionLimiter(deps: {
  stores: { rateLimits: Pick<RateLimitStore, "take"> };
  clock: Clock;
  limits: ResetPageLimits;
}): SubmissionLimiter {
  /** Bucket key → epoch milliseconds at which it holds a token again. */
  const emptyUntil = new Map<string, number>();

  function rememberedRefusal(buckets: Bucket[], nowMillis: number): RateLimitStatus | undefined {
    let refusal: { bucket: Bucket; until: number } | undefined;
    for (const bucket of buckets) {
      const until = emptyUntil.get(bucket.key);
      if (until === undefined) continue;
      if (until <= nowMillis) emptyUntil.delete(bucket.key);
      else if (!refusal || until > refusal.until) refusal = { bucket, until };
    }
    if (!refusal) return undefined;
    const { bucket, until } = refusal;
    const millisPerToken = 60_000 / bucket.perMinute;
    return {
      allowed: false,
      limit: bucket.capacity,
      remaining: 0,
      resetAt: Math.ceil((until + (bucket.capacity - 1) * millisPerToken) / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((until - nowMillis) / 1000)),
    };
  }

  function remember(states: BucketState[], atMillis: number): void {
    for (const state of states) {
      if (state.allowed) continue;
      if (emptyUntil.size >= MAX_REMEMBERED_EMPTY_BUCKETS) {
        for (const [key, until] of emptyUntil) if (until <= atMillis) emptyUntil.delete(key);
        if (emptyUntil.size >= MAX_REMEMBERED_EMPTY_BUCKETS) return;
      }
      emptyUntil.set(state.key, atMillis + ((1 - state.tokens) * 60_000) / state.perMinute);
    }
  }

  return {
    async take(submission) {
      const at = deps.clock.now();
      const buckets = resetSubmissionBuckets(deps.limits, submission.clientIp, submission.token);
      const remembered = rememberedRefusal(buckets, at.getTime());
      if (remembered) return remembered;
      const states = await deps.stores.rateLimits.take(buckets, at);
      remember(states, at.getTime());
      return summarizeBuckets(states, at);
    },
  };
}
