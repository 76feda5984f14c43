import type { AuditLog } from "../audit/ports.ts";
import type { Bucket, RateLimitStore } from "../rate-limits/ports.ts";

/** Suspicious-IP throttling: failed sign-ins from one IP, over every user, refill at this rate. */
export interface IpThrottleLimits {
  burst: number;
  perMinute: number;
}

export interface IpThrottlePorts {
  rateLimits: Pick<RateLimitStore, "peek" | "take">;
  audit: Pick<AuditLog, "record">;
}

function failureBucket(limits: IpThrottleLimits, ip: string): Bucket {
  return { key: `sign-in-ip:${ip}`, capacity: limits.burst, perMinute: limits.perMinute };
}

// One token per full refill of the failure bucket: the audit says "throttled" once per throttle,
// not once per refused token, on every instance.
function auditBucket(limits: IpThrottleLimits, ip: string): Bucket {
  return {
    key: `sign-in-ip-throttled:${ip}`,
    capacity: 1,
    perMinute: limits.perMinute / limits.burst,
  };
}

/**
 * Whether the IP may try at all, and when it may try again. Only failures take tokens (see
 * chargeIpFailure), so a busy office whose people sign in correctly is never throttled.
 */
export async function checkIpThrottle(
  ports: IpThrottlePorts,
  limits: IpThrottleLimits,
  ip: string,
  at: Date,
): Promise<{ throttled: false } | { throttled: true; retryAfterSeconds: number }> {
  const tokens = await ports.rateLimits.peek(failureBucket(limits, ip), at);
  if (tokens >= 1) return { throttled: false };
  return { throttled: true, retryAfterSeconds: Math.ceil(((1 - tokens) / limits.perMinute) * 60) };
}

/** A failed sign-in from `ip`; the one that empties its bucket starts a throttle, audited once. */
export async function chargeIpFailure(
  ports: IpThrottlePorts,
  limits: IpThrottleLimits,
  ip: string,
  at: Date,
): Promise<void> {
  const [state] = await ports.rateLimits.take([failureBucket(limits, ip)], at);
  if (!state || state.tokens >= 1) return;
  const [audit] = await ports.rateLimits.take([auditBucket(limits, ip)], at);
  if (!audit?.allowed) return;
  await ports.audit.record({
    actorType: "system",
    action: "sign_in.ip_throttled",
    outcome: "throttled",
    details: { ip, burst: limits.burst, perMinute: limits.perMinute },
  });
}
