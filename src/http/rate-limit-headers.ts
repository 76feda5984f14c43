import type { RateLimitStatus } from "../password-reset/rate-limit.ts";

/** The standard X-RateLimit-* figures of the tightest bucket, and Retry-After once refused. */
export function setRateLimitHeaders(headers: Headers, status: RateLimitStatus): void {
  headers.set("X-RateLimit-Limit", String(status.limit));
  headers.set("X-RateLimit-Remaining", String(status.remaining));
  headers.set("X-RateLimit-Reset", String(status.resetAt));
  if (!status.allowed) headers.set("Retry-After", String(status.retryAfterSeconds));
}
