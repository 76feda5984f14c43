import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { Bucket } from "../../src/rate-limits/ports.ts";
import { newResetRequest } from "../support/reset-requests.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-01-01T00:00:00Z");
const seconds = (n: number) => new Date(START.getTime() + n * 1000);

describe.each(storeBackends)("token buckets on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(async () => {
    await close?.();
  });

  it("a new bucket starts full and gives one token per take until it is empty", async () => {
    const bucket: Bucket = { key: "drain", capacity: 3, perMinute: 1 };

    const takes = [];
    for (let i = 0; i < 4; i += 1) takes.push(...(await repo.rateLimits.take([bucket], START)));

    expect(takes.map(({ allowed, tokens }) => ({ allowed, tokens }))).toEqual([
      { allowed: true, tokens: 2 },
      { allowed: true, tokens: 1 },
      { allowed: true, tokens: 0 },
      { allowed: false, tokens: 0 },
    ]);
    expect(takes[0]).toMatchObject({ key: "drain", capacity: 3, perMinute: 1 });
  });

  it("refills at perMinute up to capacity, and a clock running backwards earns nothing", async () => {
    const bucket: Bucket = { key: "refill", capacity: 2, perMinute: 6 };
    await repo.rateLimits.take([bucket], START);
    await repo.rateLimits.take([bucket], START);

    const [afterFive] = await repo.rateLimits.take([bucket], seconds(5));
    const [earlier] = await repo.rateLimits.take([bucket], seconds(1));
    const [muchLater] = await repo.rateLimits.take([bucket], seconds(3600));

    expect(afterFive).toMatchObject({ allowed: false });
    expect(afterFive?.tokens).toBeCloseTo(0.5);
    expect(earlier).toMatchObject({ allowed: false });
    expect(earlier?.tokens).toBeCloseTo(0.5);
    expect(muchLater).toMatchObject({ allowed: true, tokens: 1 });
  });

  it("prunes only buckets that are full again, so no one's limit changes, a bounded number at a time", async () => {
    // Before every other test's buckets, so that only these are candidates.
    const base = new Date("2025-01-01T00:00:00Z");
    const at = (n: number) => new Date(base.getTime() + n * 1000);
    const bucket = (key: string) => ({ key: `prune:${key}`, capacity: 2, perMinute: 1 });
    for (const key of ["a", "b", "c"]) await repo.rateLimits.take([bucket(key)], base);
    for (let i = 0; i < 2; i++) await repo.rateLimits.take([bucket("empty")], base);

    // A minute later a, b and c are full again (1 + 1); "empty" holds 1 of 2.
    expect(await repo.rateLimits.prune(at(60), 2)).toBe(2);
    expect(await repo.rateLimits.prune(at(60), 10)).toBe(1);
    expect(await repo.rateLimits.prune(at(60), 10)).toBe(0);
    const [empty] = await repo.rateLimits.take([bucket("empty")], at(60));
    expect(empty).toMatchObject({ allowed: true, tokens: 0 });
    const [pruned] = await repo.rateLimits.take([bucket("a")], at(60));
    expect(pruned).toMatchObject({ allowed: true, tokens: 1 });
  });

  it("takes from every bucket in one call, each answering for itself", async () => {
    const roomy: Bucket = { key: "pair:roomy", capacity: 5, perMinute: 1 };
    const tight: Bucket = { key: "pair:tight", capacity: 1, perMinute: 1 };
    await repo.rateLimits.take([tight], START);

    const states = await repo.rateLimits.take([roomy, tight], START);

    expect(states.map(({ key, allowed, tokens }) => ({ key, allowed, tokens }))).toEqual([
      { key: "pair:roomy", allowed: true, tokens: 4 },
      { key: "pair:tight", allowed: false, tokens: 0 },
    ]);
  });

  it("records a reset request only while every bucket allows it", async () => {
    const perEmail: Bucket = { key: "record:email", capacity: 1, perMinute: 1 };
    const perIp: Bucket = { key: "record:ip", capacity: 5, perMinute: 1 };

    const first = await repo.resetRequests.recordIfAllowed(
      newResetRequest("allowed"),
      [perEmail, perIp],
      START,
    );
    const second = await repo.resetRequests.recordIfAllowed(
      newResetRequest("refused"),
      [perEmail, perIp],
      START,
    );

    expect(first.recorded).toBe(true);
    expect(first.buckets.map(({ allowed, tokens }) => ({ allowed, tokens }))).toEqual([
      { allowed: true, tokens: 0 },
      { allowed: true, tokens: 4 },
    ]);
    expect(second.recorded).toBe(false);
    expect(second.buckets.map(({ allowed }) => allowed)).toEqual([false, true]);
    expect(await repo.resetRequests.findByPublicId("allowed")).toMatchObject({
      email: "allowed@example.com",
      createdAt: START,
    });
    expect(await repo.resetRequests.findByPublicId("refused")).toBeUndefined();
  });

  it("takes and records the same way inside a transaction, where statements go through drizzle", async () => {
    const bucket: Bucket = { key: "tx:bucket", capacity: 1, perMinute: 1 };

    const { first, second, recorded } = await repo.transaction(async (stores) => ({
      first: await stores.rateLimits.take([bucket], START),
      second: await stores.rateLimits.take([bucket], START),
      recorded: await stores.resetRequests.recordIfAllowed(
        { ...newResetRequest("in-tx"), requestedBy: { userId: "U1" } },
        [{ key: "tx:other", capacity: 2, perMinute: 1 }],
        START,
      ),
    }));

    expect(first.map(({ allowed, tokens }) => ({ allowed, tokens }))).toEqual([
      { allowed: true, tokens: 0 },
    ]);
    expect(second.map(({ allowed }) => allowed)).toEqual([false]);
    expect(recorded.recorded).toBe(true);
    expect(await repo.resetRequests.findByPublicId("in-tx")).toMatchObject({
      requestedBy: { userId: "U1" },
      createdAt: START,
    });
  });
});
