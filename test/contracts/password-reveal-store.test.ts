import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { NewPasswordReveal } from "../../src/password-reset/ports.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the password reveal store's contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newReveal(fields: Partial<NewPasswordReveal> = {}) {
    const user = await repo.users.add(1, { email: `reveal-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    return repo.passwordReveals.create(
      {
        publicId: `rvl_${++serial}`,
        userId: user.id,
        channel: "email",
        slackTeamId: null,
        slackUserId: null,
        messageRef: `msg_reveal_${serial}`,
        sealedPassword: `v1.sealed-${serial}`,
        passwordChangedAt: START,
        requestedBy: "U0ADMIN",
        connection: "Username-Password-Authentication",
        expiresAt: minutes(60),
        ...fields,
      },
      START,
    );
  }

  it("never shows the sealed password or the token's hash, but when taking it", async () => {
    const reveal = await newReveal();
    await repo.passwordReveals.setTokenHash(reveal.id, `hash-${reveal.id}`);
    const found = await repo.passwordReveals.findByTokenHash(`hash-${reveal.id}`);
    expect(found).toMatchObject({ id: reveal.id, channel: "email", revealedAt: null });
    expect(JSON.stringify(found)).not.toContain("sealed");
    expect(JSON.stringify(found)).not.toContain(`hash-${reveal.id}`);
    expect(await repo.passwordReveals.findByMessageRef(reveal.messageRef ?? "")).toMatchObject({
      id: reveal.id,
    });
  });

  it("hands the sealed password over once, however many take it at once, and erases it", async () => {
    const reveal = await newReveal({ sealedPassword: "v1.sealed-take" });
    const takes = await Promise.all(
      Array.from({ length: 8 }, () => repo.passwordReveals.take(reveal.id, minutes(1))),
    );
    const won = takes.filter((take) => take !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]?.sealedPassword).toBe("v1.sealed-take");
    expect(won[0]?.reveal.revealedAt).toEqual(minutes(1));
    expect(await repo.passwordReveals.take(reveal.id, minutes(2))).toBeUndefined();
    expect(await repo.passwordReveals.close(reveal.id, minutes(2))).toBeUndefined();
  });

  it("takes nothing once expired, and lists it as due until it is closed", async () => {
    const reveal = await newReveal({ expiresAt: minutes(10) });
    expect(await repo.passwordReveals.take(reveal.id, minutes(10))).toBeUndefined();
    const due = await repo.passwordReveals.listDue(minutes(10), 100);
    expect(due.map((row) => row.id)).toContain(reveal.id);
    expect(await repo.passwordReveals.close(reveal.id, minutes(11))).toMatchObject({
      expiredAt: minutes(11),
    });
    expect(
      (await repo.passwordReveals.listDue(minutes(20), 100)).map((row) => row.id),
    ).not.toContain(reveal.id);
    expect(await repo.passwordReveals.close(reveal.id, minutes(12))).toBeUndefined();
  });

  it("lists pending reveals newest first, and records where the DM went or the switch to email", async () => {
    const slack = await newReveal({
      channel: "slack",
      slackTeamId: "T0001",
      slackUserId: "U0JANE",
      messageRef: null,
    });
    await repo.passwordReveals.setSlackMessage(slack.id, "D0001", "1700000000.000100");
    expect(await repo.passwordReveals.findByPublicId(slack.publicId)).toMatchObject({
      slackChannel: "D0001",
      slackTs: "1700000000.000100",
    });
    await repo.passwordReveals.switchToEmail(slack.id, "msg_switched");
    expect(await repo.passwordReveals.findByMessageRef("msg_switched")).toMatchObject({
      id: slack.id,
      channel: "email",
    });
    const pending = await repo.passwordReveals.listPending(100);
    expect(pending.map((row) => row.id)).toContain(slack.id);
    expect(pending.every((row) => row.revealedAt === null && row.expiredAt === null)).toBe(true);
  });
});
