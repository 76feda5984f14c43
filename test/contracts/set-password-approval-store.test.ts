import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewSetPasswordApproval } from "../../src/approvals/ports.ts";
import type { Repository } from "../../src/db/stores.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the set-password approval store's contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newRequest(fields: Partial<NewSetPasswordApproval> = {}) {
    const user = await repo.users.add(1, { email: `approval-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    return repo.setPasswordApprovals.create(
      {
        publicId: `apr_${++serial}`,
        userId: user.id,
        connection: "Username-Password-Authentication",
        requester: { teamId: "T0PASSDESK", userId: "U0ADMIN" },
        reason: "locked out on the phone",
        expiresAt: minutes(30),
        ...fields,
      },
      START,
    );
  }

  it("creates a pending request and finds it by its public id", async () => {
    const request = await newRequest();
    expect(request).toMatchObject({
      status: "pending",
      requester: { teamId: "T0PASSDESK", userId: "U0ADMIN" },
      reason: "locked out on the phone",
      decidedBy: null,
      decidedAt: null,
      cardChannel: null,
      createdAt: START,
    });
    await repo.setPasswordApprovals.setCard(request.id, "C0APPROVE", "1700000000.000100");
    expect(await repo.setPasswordApprovals.findByPublicId(request.publicId)).toMatchObject({
      id: request.id,
      cardChannel: "C0APPROVE",
      cardTs: "1700000000.000100",
    });
    expect(await repo.setPasswordApprovals.findByPublicId("apr_never")).toBeUndefined();
  });

  it("a request approved by two admins at once is decided once", async () => {
    const request = await newRequest();
    const decisions = await Promise.all(
      ["U0SECOND", "U0THIRD", "U0SECOND", "U0THIRD"].map((admin, index) =>
        repo.setPasswordApprovals.decide(
          request.id,
          index % 2 ? "denied" : "approved",
          admin,
          minutes(1),
        ),
      ),
    );
    const decided = decisions.filter((decision) => decision !== undefined);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ decidedAt: minutes(1) });
    expect(await repo.setPasswordApprovals.findByPublicId(request.publicId)).toMatchObject({
      status: decided[0]?.status,
      decidedBy: decided[0]?.decidedBy,
    });
    expect(
      await repo.setPasswordApprovals.decide(request.id, "approved", "U0FOURTH", minutes(2)),
    ).toBeUndefined();
  });

  it("never lets the requester decide their own request", async () => {
    const request = await newRequest();
    expect(
      await repo.setPasswordApprovals.decide(request.id, "approved", "U0ADMIN", minutes(1)),
    ).toBeUndefined();
    expect(await repo.setPasswordApprovals.findByPublicId(request.publicId)).toMatchObject({
      status: "pending",
      decidedBy: null,
    });
  });

  it("decides nothing at or after the expiry, lists it as due, and expires it once", async () => {
    const request = await newRequest({ expiresAt: minutes(30) });
    expect(
      await repo.setPasswordApprovals.decide(request.id, "approved", "U0SECOND", minutes(30)),
    ).toBeUndefined();
    expect(
      (await repo.setPasswordApprovals.listDue(minutes(29), 100)).map((row) => row.id),
    ).not.toContain(request.id);
    expect(
      (await repo.setPasswordApprovals.listDue(minutes(30), 100)).map((row) => row.id),
    ).toContain(request.id);
    expect(await repo.setPasswordApprovals.expire(request.id, minutes(31))).toMatchObject({
      status: "expired",
      decidedAt: minutes(31),
      decidedBy: null,
    });
    expect(await repo.setPasswordApprovals.expire(request.id, minutes(32))).toBeUndefined();
    expect(
      (await repo.setPasswordApprovals.listDue(minutes(60), 100)).map((row) => row.id),
    ).not.toContain(request.id);
  });

  it("expires no decided request, and marks only an approved one failed", async () => {
    const denied = await newRequest();
    await repo.setPasswordApprovals.decide(denied.id, "denied", "U0SECOND", minutes(1));
    expect(await repo.setPasswordApprovals.expire(denied.id, minutes(40))).toBeUndefined();
    expect(await repo.setPasswordApprovals.markFailed(denied.id)).toBeUndefined();
    const approved = await newRequest();
    await repo.setPasswordApprovals.decide(approved.id, "approved", "U0SECOND", minutes(1));
    expect(await repo.setPasswordApprovals.markFailed(approved.id)).toMatchObject({
      status: "failed",
      decidedBy: "U0SECOND",
    });
  });
});
