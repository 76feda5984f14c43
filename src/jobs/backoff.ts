const BASE_DELAY_MILLIS = 2_000;
const MAX_DELAY_MILLIS = 15 * 60_000;

/**
 * How long to wait before retry number `attempt` of something that failed: exponential from 2 s,
 * capped at 15 minutes, half of it random (so that many failures do not retry in step), and never
 * sooner than the other side asked (`Retry-After`).
 */
export function retryDelayMillis(
  attempt: number,
  retryAfterSeconds: number | undefined,
  random = Math.random,
): number {
  const exponential = Math.min(MAX_DELAY_MILLIS, BASE_DELAY_MILLIS * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}
