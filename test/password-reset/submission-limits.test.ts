import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import {
  createSubmissionLimiter,
  resetSubmissionBuckets,
} from "../../src/password-reset/submission-limits.ts";
import { createTicketToken, hashTicketToken } from "../../src/password-reset/tokens.ts";
import type { RateLimitStore } from "../../src/rate-limits/ports.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";

const LIMITS = { perIp: { burst: 3, perMinute: 6 }, perTicket: { burst: 2, perMinute: 1 } };

describe.each(backends)("the reset page's submission limits on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let repo: Repository;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
    repo = database.repo;
  });
  afterAll(() => database.close());

  /** The real store, counting its statements. */
  function countingStore() {
    let takes = 0;
    const rateLimits: RateLimitStore = {
      take(buckets, at) {
        takes += 1;
        return repo.rateLimits.take(buckets, at);
      },
      peek: (bucket, at) => repo.rateLimits.peek(bucket, at),
      prune: (at, limit) => repo.rateLimits.prune(at, limit),
    };
    return { stores: { rateLimits }, takes: () => takes };
  }

  it("keys the link's bucket by the token's SHA-256, never by the token", () => {
    const token = createTicketToken();
    const keys = resetSubmissionBuckets(LIMITS, "192.0.2.1", token).map((bucket) => bucket.key);
    expect(keys).toEqual([
      "reset-page:ip:192.0.2.1",
      `reset-page:ticket:${hashTicketToken(token)}`,
    ]);
    expect(keys.join()).not.toContain(token);
  });

  it("refuses past the burst with Retry-After, then allows again once a token flowed in", async () => {
    const clock = createManualClock(new Date("2026-03-01T00:00:00Z"));
    const limiter = createSubmissionLimiter({ stores: repo, clock, limits: LIMITS });
    const submission = { clientIp: "192.0.2.2", token: createTicketToken() };
    expect((await limiter.take(submission)).allowed).toBe(true);
    expect((await limiter.take(submission)).allowed).toBe(true);
    const refused = await limiter.take(submission);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
    clock.advance(59_000);
    const later = await limiter.take(submission);
    expect(later.allowed).toBe(false);
    expect(later.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(later.retryAfterSeconds).toBeLessThanOrEqual(2);
    clock.advance(1_000);
    expect((await limiter.take(submission)).allowed).toBe(true);
  });

  it("answers for a bucket known to be empty without a statement, until it refills", async () => {
    const clock = createManualClock(new Date("2026-03-02T00:00:00Z"));
    const counted = countingStore();
    const limiter = createSubmissionLimiter({ stores: counted.stores, clock, limits: LIMITS });
    const token = createTicketToken();
    for (let i = 0; i < 3; i++) await limiter.take({ clientIp: `198.51.100.${i}`, token });
    expect(counted.takes()).toBe(3);
    // The link's bucket is empty: from any IP, refused without asking the database.
    for (let i = 10; i < 20; i++) {
      expect(await limiter.take({ clientIp: `198.51.100.${i}`, token })).toMatchObject({
        allowed: false,
        retryAfterSeconds: 60,
      });
    }
    expect(counted.takes()).toBe(3);
    // Another link from a fresh IP is not affected.
    expect(
      (await limiter.take({ clientIp: "198.51.100.99", token: createTicketToken() })).allowed,
    ).toBe(true);
    clock.advance(60_000);
    expect((await limiter.take({ clientIp: "198.51.100.30", token })).allowed).toBe(true);
    expect(counted.takes()).toBe(5);
  });

  it("shares its buckets with other instances through the database", async () => {
    const clock = createManualClock(new Date("2026-03-03T00:00:00Z"));
    const one = createSubmissionLimiter({ stores: repo, clock, limits: LIMITS });
    const other = createSubmissionLimiter({ stores: repo, clock, limits: LIMITS });
    const token = createTicketToken();
    expect((await one.take({ clientIp: "203.0.113.1", token })).allowed).toBe(true);
    expect((await other.take({ clientIp: "203.0.113.2", token })).allowed).toBe(true);
    expect((await one.take({ clientIp: "203.0.113.3", token })).allowed).toBe(false);
    expect((await other.take({ clientIp: "203.0.113.4", token })).allowed).toBe(false);
  });
});
