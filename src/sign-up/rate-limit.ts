import type { LimitRule } from "../password-reset/rate-limit.ts";
import type { Bucket } from "../rate-limits/ports.ts";

export interface SignUpLimits {
  perIp: LimitRule;
}

/**
 * Per client IP, whatever the email: each answer can say whether an address has an account,
 * and each accepted one costs an Argon2 hash.
 */
export function signUpBuckets(limits: SignUpLimits, clientIp: string): Bucket[] {
  return [
    {
      key: `signup:ip:${clientIp}`,
      capacity: limits.perIp.burst,
      perMinute: limits.perIp.perMinute,
    },
  ];
}
