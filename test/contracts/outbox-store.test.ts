import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-03-01T00:00:00Z");
const seconds = (n: number) => new Date(START.getTime() + n * 1000);

describe.each(storeBackends)("the outbox store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let userId: number;
  let refs = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
    const user = await repo.users.add(1, { email: "outbox@example.com" });
    if (!user) throw new Error("could not add a user");
    userId = user.id;
  });
  afterAll(() => close?.());

  /** Enqueues an email at `at`; sends whatever is still due first, so each spec starts empty. */
  async function enqueue(at: Date): Promise<string> {
    for (const email of await repo.outbox.claimDue(seconds(10_000), seconds(10_001), 1000))
      await repo.outbox.markSent(email.id, null, seconds(10_000));
    const messageRef = `msg_contract_${++refs}`;
    await repo.outbox.enqueue(
      {
        messageRef,
        kind: "change_password",
        requestId: null,
        userId,
        toAddress: "outbox@example.com",
      },
      at,
    );
    return messageRef;
  }

  it("enqueues a pending email, due at once, with no attempts", async () => {
    const ref = await enqueue(START);
    expect(await repo.outbox.findByRef(ref)).toMatchObject({
      messageRef: ref,
      kind: "change_password",
      userId,
      status: "pending",
      attempts: 0,
      nextAttemptAt: START,
      lockedUntil: null,
      createdAt: START,
      sentAt: null,
    });
  });

  it("leases a due email once: a second claim before the lease ends gets nothing", async () => {
    const ref = await enqueue(START);
    const [claimed, ...more] = await repo.outbox.claimDue(seconds(1), seconds(61), 10);
    expect(more).toEqual([]);
    expect(claimed).toMatchObject({
      messageRef: ref,
      status: "sending",
      attempts: 1,
      lockedUntil: seconds(61),
    });
    expect(await repo.outbox.claimDue(seconds(60), seconds(120), 10)).toEqual([]);
  });

  it("leases an email again once its lease has run out: its sender died", async () => {
    const ref = await enqueue(START);
    await repo.outbox.claimDue(seconds(1), seconds(61), 10);
    expect(await repo.outbox.claimDue(seconds(61), seconds(121), 10)).toEqual([]);
    const [again] = await repo.outbox.claimDue(seconds(62), seconds(122), 10);
    expect(again).toMatchObject({ messageRef: ref, attempts: 2, lockedUntil: seconds(122) });
  });

  it("claims no more than the limit, the longest due first", async () => {
    const later = await enqueue(seconds(5));
    const earlier = `msg_contract_${++refs}`;
    await repo.outbox.enqueue(
      {
        messageRef: earlier,
        kind: "password_changed",
        requestId: null,
        userId,
        toAddress: "outbox@example.com",
      },
      seconds(2),
    );
    const [first] = await repo.outbox.claimDue(seconds(10), seconds(70), 1);
    expect(first).toMatchObject({ messageRef: earlier, kind: "password_changed" });
    const [second] = await repo.outbox.claimDue(seconds(10), seconds(70), 1);
    expect(second?.messageRef).toBe(later);
  });

  it("a retry is pending again, due when scheduled; sent and failed emails are never claimed", async () => {
    const ref = await enqueue(START);
    const [email] = await repo.outbox.claimDue(seconds(1), seconds(61), 10);
    if (!email) throw new Error("nothing claimed");
    await repo.outbox.scheduleRetry(email, seconds(30), "SendGrid answered 503");
    expect(await repo.outbox.findByRef(ref)).toMatchObject({
      status: "pending",
      nextAttemptAt: seconds(30),
      lockedUntil: null,
      lastError: "SendGrid answered 503",
    });
    expect(await repo.outbox.claimDue(seconds(29), seconds(89), 10)).toEqual([]);
    const [retried] = await repo.outbox.claimDue(seconds(30), seconds(90), 10);
    expect(retried).toMatchObject({ messageRef: ref, attempts: 2 });
    await repo.outbox.markSent(email.id, "sg-1", seconds(31));
    expect(await repo.outbox.findByRef(ref)).toMatchObject({
      status: "sent",
      providerMessageId: "sg-1",
      sentAt: seconds(31),
      lockedUntil: null,
      lastError: null,
    });

    const failing = await enqueue(START);
    const [doomed] = await repo.outbox.claimDue(seconds(1), seconds(61), 10);
    if (!doomed) throw new Error("nothing claimed");
    await repo.outbox.markFailed(doomed, "SendGrid answered 400");
    expect(await repo.outbox.findByRef(failing)).toMatchObject({
      status: "failed",
      lockedUntil: null,
    });
    expect(await repo.outbox.claimDue(seconds(100_000), seconds(100_060), 10)).toEqual([]);
  });

  it("a sender held up past its lease cannot make the email due again, nor fail it", async () => {
    // The first sender claimed it and stalled; its lease ran out, a second sender claimed and
    // sent it. The first then gives it back, reschedules it or fails it: each changes nothing,
    // or the email would be sent a second time.
    const ref = await enqueue(START);
    const [stalled] = await repo.outbox.claimDue(seconds(1), seconds(61), 10);
    if (!stalled) throw new Error("nothing claimed");
    const [second] = await repo.outbox.claimDue(seconds(62), seconds(122), 10);
    if (!second) throw new Error("not claimed again");
    await repo.outbox.release(stalled, seconds(70), "waited too long for the mailer");
    await repo.outbox.scheduleRetry(stalled, seconds(70), "SendGrid answered 503");
    await repo.outbox.markFailed(stalled, "SendGrid answered 400");
    expect(await repo.outbox.findByRef(ref)).toMatchObject({
      status: "sending",
      attempts: 2,
      lockedUntil: seconds(122),
      lastError: null,
    });
    await repo.outbox.markSent(second.id, "sg-2", seconds(80));
    await repo.outbox.release(stalled, seconds(90), "waited too long for the mailer");
    await repo.outbox.scheduleRetry(second, seconds(90), "late");
    expect(await repo.outbox.findByRef(ref)).toMatchObject({ status: "sent", attempts: 2 });
    expect(await repo.outbox.claimDue(seconds(100_000), seconds(100_060), 10)).toEqual([]);
  });

  it("records the delivery status of an email", async () => {
    const ref = await enqueue(START);
    const email = await repo.outbox.findByRef(ref);
    if (!email) throw new Error("no email");
    expect(await repo.outbox.setDeliveryStatus(email.id, "delivered", "250 OK")).toMatchObject({
      deliveryStatus: "delivered",
      deliveryDetail: "250 OK",
    });
    expect(await repo.outbox.lockByRef(ref)).toMatchObject({ deliveryStatus: "delivered" });
  });
});
