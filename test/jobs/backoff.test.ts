import { describe, expect, it } from "vitest";
import { retryDelayMillis } from "../../src/jobs/backoff.ts";

describe("retry delays", () => {
  it("grow exponentially with jitter and never undercut the provider's Retry-After", () => {
    expect(retryDelayMillis(1, undefined, () => 0)).toBe(1000);
    expect(retryDelayMillis(1, undefined, () => 1)).toBe(2000);
    expect(retryDelayMillis(4, undefined, () => 1)).toBe(16_000);
    expect(retryDelayMillis(30, undefined, () => 1)).toBe(15 * 60_000);
    expect(retryDelayMillis(1, 120, () => 0)).toBe(120_000);
  });
});
