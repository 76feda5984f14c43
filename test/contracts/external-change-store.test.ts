import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { NewExternalChange } from "../../src/password-reset/external-change.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the external password change store's contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newTicket(fields: { expiresAt?: Date } = {}) {
    const user = await repo.users.add(1, { email: `external-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    const ticket = await repo.tickets.issue(
      {
        tokenHash: `external-hash-${++serial}`,
        userId: user.id,
        requestId: null,
        expiresAt: fields.expiresAt ?? minutes(60),
        resultUrl: null,
        includeEmailInRedirect: true,
      },
      START,
    );
    return { userId: user.id, ticketId: ticket.id };
  }

  const change = (
    owner: { userId: number; ticketId: number | null },
    leaseUntil = minutes(2),
  ): NewExternalChange => ({
    ...owner,
    idempotencyKey: `pwc-${++serial}`,
    leaseUntil,
    sealedPassword: "v1.sealed",
    historyHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    outcome: {
      notify: false,
      audit: { actorType: "user", action: "password_reset.completed", outcome: "success" },
    },
  });

  it("claims a usable ticket once, however many try at once", async () => {
    const owner = await newTicket();
    const claims = await Promise.all(
      Array.from({ length: 12 }, () => repo.externalChanges.claim(change(owner), minutes(1))),
    );
    const won = claims.filter((claim) => claim !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({
      userId: owner.userId,
      ticketId: owner.ticketId,
      sealedPassword: "v1.sealed",
      attempts: 0,
      outcome: { audit: { action: "password_reset.completed" } },
    });
  });

  it("claims no ticket that is used, revoked or expired", async () => {
    const used = await newTicket();
    await repo.tickets.markUsed(used.ticketId, minutes(1));
    const revoked = await newTicket();
    await repo.tickets.revoke(revoked.ticketId, minutes(1));
    const expired = await newTicket({ expiresAt: minutes(1) });
    for (const owner of [used, revoked, expired]) {
      expect(await repo.externalChanges.claim(change(owner), minutes(2))).toBeUndefined();
    }
  });

  it("finishes or releases a claim once; a released ticket can be claimed again", async () => {
    const owner = await newTicket();
    const first = await repo.externalChanges.claim(change(owner), minutes(1));
    if (!first) throw new Error("not claimed");
    expect(await repo.externalChanges.release(first.id, minutes(1), first.leaseUntil)).toBe(true);
    expect(await repo.externalChanges.release(first.id, minutes(1), first.leaseUntil)).toBe(false);
    expect(await repo.externalChanges.finish(first.id, minutes(1))).toBeUndefined();
    const second = await repo.externalChanges.claim(change(owner), minutes(1));
    if (!second) throw new Error("not claimed again");
    const finished = await Promise.all([
      repo.externalChanges.finish(second.id, minutes(2)),
      repo.externalChanges.finish(second.id, minutes(2)),
    ]);
    expect(finished.filter(Boolean)).toHaveLength(1);
    expect(await repo.externalChanges.release(second.id, minutes(2), second.leaseUntil)).toBe(
      false,
    );
  });

  it("releases a claim only under the lease its caller holds: not once recovery took it over", async () => {
    const owner = await newTicket();
    const claim = await repo.externalChanges.claim(change(owner, minutes(3)), minutes(1));
    if (!claim) throw new Error("not claimed");
    const taken = await repo.externalChanges.takeOverLapsed(minutes(4), minutes(5), 50);
    expect(taken.map((row) => row.id)).toContain(claim.id);
    expect(await repo.externalChanges.release(claim.id, minutes(4), claim.leaseUntil)).toBe(false);
    expect(await repo.externalChanges.release(claim.id, minutes(4), minutes(5))).toBe(true);
  });

  it("claims changes without a ticket (staff) as many times as asked", async () => {
    const { userId } = await newTicket();
    const a = await repo.externalChanges.claim(change({ userId, ticketId: null }), minutes(1));
    const b = await repo.externalChanges.claim(change({ userId, ticketId: null }), minutes(1));
    expect(a?.id).not.toBe(b?.id);
  });

  it("takes over lapsed claims only, once each, with a new lease and one more attempt", async () => {
    const lapsedOwner = await newTicket();
    const liveOwner = await newTicket();
    const lapsed = await repo.externalChanges.claim(change(lapsedOwner, minutes(3)), minutes(1));
    await repo.externalChanges.claim(change(liveOwner, minutes(30)), minutes(1));
    const [takenA, takenB] = await Promise.all([
      repo.externalChanges.takeOverLapsed(minutes(10), minutes(11), 50),
      repo.externalChanges.takeOverLapsed(minutes(10), minutes(11), 50),
    ]);
    const taken = [...(takenA ?? []), ...(takenB ?? [])].filter((row) => row.id === lapsed?.id);
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ attempts: 1, leaseUntil: minutes(11) });
    const again = await repo.externalChanges.takeOverLapsed(minutes(10), minutes(11), 50);
    expect(again.map((row) => row.id)).not.toContain(lapsed?.id);
    expect(
      (await repo.externalChanges.takeOverLapsed(minutes(12), minutes(13), 50)).map((r) => r.id),
    ).toContain(lapsed?.id);
  });
});
