import type { Clock } from "../clock.ts";
import type { Bucket } from "../db/rate-limit-store.ts";
import type { Stores } from "../db/stores.ts";
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

/**
 * Takes a token from the submission's buckets (one statement, shared by every instance). Called
 * before anything else is done with a submission, so a limited one costs no password work.
 */
export async function limitResetSubmission(
  deps: { stores: Pick<Stores, "rateLimits">; clock: Clock; limits: ResetPageLimits },
  submission: { clientIp: string; token: string },
): Promise<RateLimitStatus> {
  const at = deps.clock.now();
  const buckets = resetSubmissionBuckets(deps.limits, submission.clientIp, submission.token);
  return summarizeBuckets(await deps.stores.rateLimits.take(buckets, at), at);
}
