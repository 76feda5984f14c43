import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const seconds = (n: number) => new Date(START.getTime() + n * 1000);

describe.each(storeBackends)("the secure-account ticket store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newUser() {
    const user = await repo.users.add(1, { email: `secure-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    return user.id;
  }
  const issue = (userId: number, tokenHash: string, expiresAt = seconds(600)) =>
    repo.secureAccountTickets.issue({ tokenHash, userId, expiresAt }, START);

  it("issues a ticket that reads back by its hash, without the hash", async () => {
    const userId = await newUser();
    const ticket = await issue(userId, "secure-hash-1", seconds(60));
    expect(ticket).toEqual({
      id: ticket.id,
      userId,
      createdAt: START,
      expiresAt: seconds(60),
      usedAt: null,
      revokedAt: null,
    });
    expect(await repo.secureAccountTickets.findByTokenHash("secure-hash-1")).toEqual(ticket);
    expect(await repo.secureAccountTickets.findByTokenHash("no-such-hash")).toBeUndefined();
  });

  it("a ticket is consumed once, by one of several concurrent uses, and not once expired", async () => {
    const userId = await newUser();
    await issue(userId, "secure-hash-2");
    const uses = await Promise.all(
      Array.from({ length: 4 }, () =>
        repo.secureAccountTickets.consume("secure-hash-2", seconds(1)),
      ),
    );
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(uses.find(Boolean)).toMatchObject({ userId, usedAt: seconds(1) });

    await issue(userId, "secure-hash-3", seconds(60));
    expect(await repo.secureAccountTickets.consume("secure-hash-3", seconds(60))).toBeUndefined();
  });

  it("a revoked ticket is not consumed, and revoking a used one changes nothing", async () => {
    const userId = await newUser();
    const revoked = await issue(userId, "secure-hash-4");
    await repo.secureAccountTickets.revoke(revoked.id, seconds(1));
    expect(await repo.secureAccountTickets.consume("secure-hash-4", seconds(2))).toBeUndefined();
    expect(await repo.secureAccountTickets.findByTokenHash("secure-hash-4")).toMatchObject({
      usedAt: null,
      revokedAt: seconds(1),
    });

    const used = await issue(userId, "secure-hash-5");
    await repo.secureAccountTickets.consume("secure-hash-5", seconds(1));
    await repo.secureAccountTickets.revoke(used.id, seconds(2));
    expect(await repo.secureAccountTickets.findByTokenHash("secure-hash-5")).toMatchObject({
      usedAt: seconds(1),
      revokedAt: null,
    });
  });

  it("revokes a user's unused tickets only, counting them", async () => {
    const userId = await newUser();
    const other = await newUser();
    await issue(userId, "secure-hash-6");
    await issue(userId, "secure-hash-7");
    await issue(userId, "secure-hash-8");
    await repo.secureAccountTickets.consume("secure-hash-8", seconds(1));
    await issue(other, "secure-hash-9");
    expect(await repo.secureAccountTickets.revokeUnusedForUser(userId, seconds(2))).toBe(2);
    expect(await repo.secureAccountTickets.revokeUnusedForUser(userId, seconds(3))).toBe(0);
    expect(await repo.secureAccountTickets.consume("secure-hash-6", seconds(4))).toBeUndefined();
    expect(await repo.secureAccountTickets.consume("secure-hash-9", seconds(4))).toBeTruthy();
  });

  it("a user's tickets go with the user", async () => {
    const userId = await newUser();
    await issue(userId, "secure-hash-10");
    await repo.users.delete(userId);
    expect(await repo.secureAccountTickets.findByTokenHash("secure-hash-10")).toBeUndefined();
  });
});
