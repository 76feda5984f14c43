import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { NewTicket } from "../../src/password-reset/ports.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the ticket store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let tokens = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newUser(): Promise<number> {
    const user = await repo.users.add(1, { email: `ticket-user-${++tokens}@example.com` });
    if (!user) throw new Error("could not add a user");
    return user.id;
  }

  function newTicket(userId: number, fields: Partial<NewTicket> = {}): NewTicket {
    return {
      tokenHash: `hash-${++tokens}`,
      userId,
      requestId: null,
      expiresAt: minutes(60),
      resultUrl: null,
      includeEmailInRedirect: true,
      ...fields,
    };
  }

  it("issues a ticket that reads back as stored: unused, unrevoked, no refusals", async () => {
    const userId = await newUser();
    const issued = await repo.tickets.issue(
      newTicket(userId, { resultUrl: "https://app.example.com/", includeEmailInRedirect: false }),
      START,
    );
    expect(issued).toMatchObject({
      userId,
      requestId: null,
      resultUrl: "https://app.example.com/",
      includeEmailInRedirect: false,
      createdAt: START,
      expiresAt: minutes(60),
      usedAt: null,
      revokedAt: null,
      rejectedSubmissions: 0,
    });
    expect(await repo.tickets.findByTokenHash(issued.tokenHash)).toEqual(issued);
    expect(await repo.tickets.findByTokenHash("no-such-hash")).toBeUndefined();
  });

  it("a new ticket revokes the user's unused ones, not a used one nor another user's", async () => {
    const userId = await newUser();
    const otherId = await newUser();
    const used = await repo.tickets.issue(newTicket(userId), START);
    await repo.tickets.consume(used.tokenHash, minutes(1));
    const older = await repo.tickets.issue(newTicket(userId), minutes(2));
    const others = await repo.tickets.issue(newTicket(otherId), minutes(2));
    const newest = await repo.tickets.issue(newTicket(userId), minutes(3));

    expect(await repo.tickets.findByTokenHash(older.tokenHash)).toMatchObject({
      revokedAt: minutes(3),
    });
    expect(await repo.tickets.findByTokenHash(used.tokenHash)).toMatchObject({
      usedAt: minutes(1),
      revokedAt: null,
    });
    expect(await repo.tickets.findByTokenHash(others.tokenHash)).toMatchObject({ revokedAt: null });
    expect(await repo.tickets.findByTokenHash(newest.tokenHash)).toMatchObject({ revokedAt: null });
  });

  it("a ticket is consumed once, and not at or after its expiry", async () => {
    const userId = await newUser();
    const ticket = await repo.tickets.issue(newTicket(userId), START);
    expect(await repo.tickets.consume(ticket.tokenHash, minutes(1))).toMatchObject({
      id: ticket.id,
      usedAt: minutes(1),
    });
    expect(await repo.tickets.consume(ticket.tokenHash, minutes(2))).toBeUndefined();

    const expiring = await repo.tickets.issue(newTicket(await newUser()), START);
    expect(await repo.tickets.consume(expiring.tokenHash, minutes(60))).toBeUndefined();
    expect(await repo.tickets.findByTokenHash(expiring.tokenHash)).toMatchObject({ usedAt: null });
    expect(await repo.tickets.consume("no-such-hash", START)).toBeUndefined();
  });

  it("a revoked ticket cannot be consumed, and revoking again keeps the first time", async () => {
    const ticket = await repo.tickets.issue(newTicket(await newUser()), START);
    await repo.tickets.revoke(ticket.id, minutes(1));
    await repo.tickets.revoke(ticket.id, minutes(2));
    expect(await repo.tickets.findByTokenHash(ticket.tokenHash)).toMatchObject({
      revokedAt: minutes(1),
    });
    expect(await repo.tickets.consume(ticket.tokenHash, minutes(3))).toBeUndefined();
  });

  it("counts refused submissions; the one that reaches the budget revokes the ticket", async () => {
    const ticket = await repo.tickets.issue(newTicket(await newUser()), START);
    const counts = [];
    for (let i = 1; i <= 4; i++)
      counts.push(await repo.tickets.recordRejectedSubmission(ticket.tokenHash, minutes(i), 3));
    expect(counts).toEqual([
      { rejectedSubmissions: 1, revoked: false },
      { rejectedSubmissions: 2, revoked: false },
      { rejectedSubmissions: 3, revoked: true },
      undefined,
    ]);
    expect(await repo.tickets.findByTokenHash(ticket.tokenHash)).toMatchObject({
      rejectedSubmissions: 3,
      revokedAt: minutes(3),
    });
  });

  it("counts no refusal for an expired or used ticket", async () => {
    const expired = await repo.tickets.issue(newTicket(await newUser()), START);
    expect(
      await repo.tickets.recordRejectedSubmission(expired.tokenHash, minutes(61), 10),
    ).toBeUndefined();
    const used = await repo.tickets.issue(newTicket(await newUser()), START);
    await repo.tickets.consume(used.tokenHash, minutes(1));
    expect(
      await repo.tickets.recordRejectedSubmission(used.tokenHash, minutes(2), 10),
    ).toBeUndefined();
    expect(await repo.tickets.findByTokenHash(used.tokenHash)).toMatchObject({
      rejectedSubmissions: 0,
    });
  });

  it("revokes a user's unused tickets, leaving used ones as they were", async () => {
    const userId = await newUser();
    const used = await repo.tickets.issue(newTicket(userId), START);
    await repo.tickets.consume(used.tokenHash, minutes(1));
    const unused = await repo.tickets.issue(newTicket(userId), minutes(2));
    await repo.tickets.revokeUnusedForUser(userId, minutes(3));
    expect(await repo.tickets.findByTokenHash(unused.tokenHash)).toMatchObject({
      revokedAt: minutes(3),
    });
    expect(await repo.tickets.findByTokenHash(used.tokenHash)).toMatchObject({ revokedAt: null });
  });

  it("refuses a second ticket with the same token hash", async () => {
    const userId = await newUser();
    const ticket = await repo.tickets.issue(newTicket(userId), START);
    await expect(
      repo.tickets.issue(newTicket(userId, { tokenHash: ticket.tokenHash }), minutes(1)),
    ).rejects.toThrow();
  });
});
