import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { BLOCK_LIFETIME_MILLIS, type FailureKey } from "../../src/sign-in/ports.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const seconds = (n: number) => new Date(START.getTime() + n * 1000);

describe.each(storeBackends)("the sign-in failure store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let identifiers = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  function key(ip = "192.0.2.1"): FailureKey {
    return { connectionId: 1, email: `attempt-${++identifiers}@example.com`, ip };
  }

  it("counts from 1 and blocks at the maximum, at the attempt that reached it", async () => {
    const k = key();
    const counts = [];
    for (let i = 1; i <= 4; i++)
      counts.push((await repo.signInFailures.count([k], 3, seconds(i)))[0]);
    expect(counts.map((count) => count?.failures)).toEqual([1, 2, 3, 4]);
    expect(counts.map((count) => count?.blockedAt)).toEqual([null, null, seconds(3), seconds(3)]);
    expect(counts[3]).toEqual({
      ...k,
      failures: 4,
      lastFailureAt: seconds(4),
      blockedAt: seconds(3),
    });
  });

  it("counts each key of one call, in the keys' order, and keeps IPs apart", async () => {
    const a = key("192.0.2.1");
    const b = { ...a, ip: "2001:db8::1" };
    await repo.signInFailures.count([a], 10, seconds(1));
    const counts = await repo.signInFailures.count([b, a], 10, seconds(2));
    expect(counts.map(({ ip, failures }) => ({ ip, failures }))).toEqual([
      { ip: "2001:db8::1", failures: 1 },
      { ip: "192.0.2.1", failures: 2 },
    ]);
    expect((await repo.signInFailures.list(1, a.email)).map((count) => count.ip)).toEqual([
      "192.0.2.1",
      "2001:db8::1",
    ]);
  });

  it("50 attempts at once are counted 1 to 50, and exactly one of them blocks", async () => {
    const k = key();
    const counts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => repo.signInFailures.count([k], 10, seconds(i))),
    );
    const failures = counts.map((count) => count[0]?.failures).sort((a = 0, b = 0) => a - b);
    expect(failures).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const reachedLimit = counts.filter((count) => count[0]?.failures === 10);
    expect(reachedLimit).toHaveLength(1);
    const [row] = await repo.signInFailures.list(1, k.email);
    expect(row).toMatchObject({ failures: 50, blockedAt: reachedLimit[0]?.[0]?.blockedAt });
  });

  it("a reset starts an unblocked count over and leaves a block, unless this attempt set it", async () => {
    const counted = key();
    const blocked = key();
    const justBlocked = key();
    await repo.signInFailures.count([counted], 3, seconds(1));
    for (let i = 1; i <= 3; i++) await repo.signInFailures.count([blocked], 3, seconds(i));
    for (let i = 1; i <= 3; i++) await repo.signInFailures.count([justBlocked], 3, seconds(i));

    await repo.signInFailures.reset([counted, blocked], seconds(10));
    await repo.signInFailures.reset([justBlocked], seconds(3));

    expect(await repo.signInFailures.list(1, counted.email)).toEqual([]);
    expect(await repo.signInFailures.list(1, blocked.email)).toMatchObject([
      { failures: 3, blockedAt: seconds(3) },
    ]);
    expect(await repo.signInFailures.list(1, justBlocked.email)).toEqual([]);
    expect((await repo.signInFailures.count([counted], 3, seconds(11)))[0]?.failures).toBe(1);
  });

  it("uncount takes one attempt back, and lifts only the block that attempt set", async () => {
    const k = key("192.0.2.77");
    const row = async () =>
      (await repo.signInFailures.list(k.connectionId, k.email)).find((c) => c.ip === k.ip);
    for (let i = 1; i <= 3; i++) await repo.signInFailures.count([k], 3, seconds(i));
    await repo.signInFailures.uncount(k, seconds(2));
    expect(await row()).toMatchObject({
      failures: 2,
      blockedAt: seconds(3),
    });
    await repo.signInFailures.uncount(k, seconds(3));
    expect(await row()).toMatchObject({
      failures: 1,
      blockedAt: null,
    });
    await repo.signInFailures.uncount(key("192.0.2.78"));
  });

  it("a block older than the block lifetime starts over at 1", async () => {
    const k = key();
    await repo.signInFailures.count([k], 1, START);
    const later = new Date(START.getTime() + BLOCK_LIFETIME_MILLIS + 1000);
    expect(await repo.signInFailures.count([k], 2, later)).toEqual([
      { ...k, failures: 1, lastFailureAt: later, blockedAt: null },
    ]);
  });

  it("clears an identifier at one IP or at all, saying how many blocks it lifted", async () => {
    const a = key("192.0.2.1");
    const b = { ...a, ip: "192.0.2.2" };
    const c = { ...a, ip: "192.0.2.3" };
    await repo.signInFailures.count([a, b], 1, START);
    await repo.signInFailures.count([c], 5, START);
    expect(await repo.signInFailures.clear(1, a.email, "192.0.2.1")).toBe(1);
    expect((await repo.signInFailures.list(1, a.email)).map((count) => count.ip)).toEqual([
      "192.0.2.2",
      "192.0.2.3",
    ]);
    expect(await repo.signInFailures.clear(1, a.email)).toBe(1);
    expect(await repo.signInFailures.list(1, a.email)).toEqual([]);
    expect(await repo.signInFailures.clear(1, a.email)).toBe(0);
  });

  it("prunes counts whose last failure is older than the cut-off, oldest first, up to a limit", async () => {
    const old = new Date("2025-01-01T00:00:00Z");
    const keys = [key(), key(), key()];
    for (const [i, k] of keys.entries())
      await repo.signInFailures.count([k], 10, new Date(old.getTime() + i * 1000));
    const recent = key();
    await repo.signInFailures.count([recent], 10, START);
    expect(await repo.signInFailures.prune(new Date("2025-06-01T00:00:00Z"), 2)).toBe(2);
    expect(await repo.signInFailures.list(1, keys[0]?.email ?? "")).toEqual([]);
    expect(await repo.signInFailures.list(1, keys[2]?.email ?? "")).toHaveLength(1);
    expect(await repo.signInFailures.prune(new Date("2025-06-01T00:00:00Z"), 10)).toBe(1);
    expect(await repo.signInFailures.list(1, recent.email)).toHaveLength(1);
  });
});

describe.each(storeBackends)("the unblock ticket store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let userId: number;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
    const user = await repo.users.add(1, { email: "unblock-me@example.com" });
    if (!user) throw new Error("could not add a user");
    userId = user.id;
  });
  afterAll(() => close?.());

  it("issues a ticket that reads back by its hash, without the hash", async () => {
    const ticket = await repo.unblockTickets.issue(
      { tokenHash: "hash-1", userId, ip: "192.0.2.1", expiresAt: seconds(60) },
      START,
    );
    expect(ticket).toEqual({
      id: ticket.id,
      userId,
      ip: "192.0.2.1",
      createdAt: START,
      expiresAt: seconds(60),
      usedAt: null,
      revokedAt: null,
    });
    expect(await repo.unblockTickets.findByTokenHash("hash-1")).toEqual(ticket);
    expect(await repo.unblockTickets.findByTokenHash("no-such-hash")).toBeUndefined();
  });

  it("a ticket is consumed once, by one of two concurrent uses, and not once expired", async () => {
    await repo.unblockTickets.issue(
      { tokenHash: "hash-2", userId, ip: "*", expiresAt: seconds(60) },
      START,
    );
    const uses = await Promise.all([
      repo.unblockTickets.consume("hash-2", seconds(1)),
      repo.unblockTickets.consume("hash-2", seconds(1)),
    ]);
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(uses.find(Boolean)).toMatchObject({ ip: "*", usedAt: seconds(1) });

    await repo.unblockTickets.issue(
      { tokenHash: "hash-3", userId, ip: "*", expiresAt: seconds(60) },
      START,
    );
    expect(await repo.unblockTickets.consume("hash-3", seconds(60))).toBeUndefined();
  });

  it("revokes a user's unused tickets, counting them; a revoked ticket is not consumed", async () => {
    await repo.unblockTickets.issue(
      { tokenHash: "hash-4", userId, ip: "*", expiresAt: seconds(600) },
      START,
    );
    // hash-1 and hash-3 are unused (hash-3 expired, still counted); hash-2 was used.
    expect(await repo.unblockTickets.revokeUnusedForUser(userId, seconds(2))).toBe(3);
    expect(await repo.unblockTickets.revokeUnusedForUser(userId, seconds(3))).toBe(0);
    expect(await repo.unblockTickets.consume("hash-4", seconds(4))).toBeUndefined();
    expect(await repo.unblockTickets.findByTokenHash("hash-4")).toMatchObject({
      usedAt: null,
      revokedAt: seconds(2),
    });
    expect(await repo.unblockTickets.findByTokenHash("hash-2")).toMatchObject({
      revokedAt: null,
    });
  });
});

describe.each(storeBackends)("peeking at a token bucket on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  it("a missing bucket is full; a taken one refills as it would for a take, and peeking takes nothing", async () => {
    const bucket = { key: "peek:192.0.2.1", capacity: 3, perMinute: 6 };
    expect(await repo.rateLimits.peek(bucket, START)).toBe(3);
    await repo.rateLimits.take([bucket], START);
    await repo.rateLimits.take([bucket], START);
    expect(await repo.rateLimits.peek(bucket, START)).toBe(1);
    expect(await repo.rateLimits.peek(bucket, START)).toBe(1);
    expect(await repo.rateLimits.peek(bucket, seconds(5))).toBeCloseTo(1.5);
    expect(await repo.rateLimits.peek(bucket, seconds(600))).toBe(3);
  });
});

describe.each(storeBackends)("a connection's brute-force settings on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  it("start as Auth0's defaults, and change only the fields given", async () => {
    const added = await repo.connections.add({ name: "guarded", strategy: "database" });
    expect(added?.bruteForce).toEqual({
      enabled: true,
      maxAttempts: 10,
      mode: "count_per_identifier_and_ip",
      shields: ["block", "user_notification"],
      allowlist: [],
    });
    const changed = await repo.connections.updateBruteForce("guarded", {
      maxAttempts: 3,
      allowlist: ["10.0.0.0/8", "2001:db8::/32"],
    });
    expect(changed?.bruteForce).toEqual({
      enabled: true,
      maxAttempts: 3,
      mode: "count_per_identifier_and_ip",
      shields: ["block", "user_notification"],
      allowlist: ["10.0.0.0/8", "2001:db8::/32"],
    });
    await repo.connections.updateBruteForce("guarded", {
      enabled: false,
      mode: "count_per_identifier",
      shields: [],
    });
    expect((await repo.connections.findByName("guarded"))?.bruteForce).toEqual({
      enabled: false,
      maxAttempts: 3,
      mode: "count_per_identifier",
      shields: [],
      allowlist: ["10.0.0.0/8", "2001:db8::/32"],
    });
    expect(await repo.connections.updateBruteForce("no-such", { maxAttempts: 2 })).toBeUndefined();
  });
});
