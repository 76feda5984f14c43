import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { NewTicket } from "../../src/password-reset/ports.ts";
import { newResetRequest } from "../support/reset-requests.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-05-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);
const MISSING = 987_654_321;

/** The set-based statements the email worker shares between the emails in flight. */
describe.each(storeBackends)("the batch statements' contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newUser() {
    const user = await repo.users.add(1, { email: `batch-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    return user;
  }

  function newTicket(userId: number, fields: Partial<NewTicket> = {}): NewTicket {
    return {
      tokenHash: `batch-hash-${++serial}`,
      userId,
      requestId: null,
      expiresAt: minutes(60),
      resultUrl: null,
      includeEmailInRedirect: true,
      ...fields,
    };
  }

  /** Marks whatever is still due as sent, so that a claim sees only what the spec enqueues. */
  async function emptyOutbox() {
    for (const email of await repo.outbox.claimDue(minutes(100_000), minutes(100_001), 1000))
      await repo.outbox.markSent(email.id, null, minutes(100_000));
  }

  describe("findByIds", () => {
    it("finds users, each in its id's place, undefined for a missing id", async () => {
      const a = await newUser();
      const b = await newUser();

      const found = await repo.users.findByIds([b.id, MISSING, a.id, b.id]);

      expect(found).toHaveLength(4);
      expect(found[0]).toEqual(await repo.users.findById(b.id));
      expect(found[0]?.email).toBe(b.email);
      expect(found[1]).toBeUndefined();
      expect(found[2]).toEqual(await repo.users.findById(a.id));
      expect(found[2]?.email).toBe(a.email);
      expect(found[3]?.id).toBe(b.id);
      expect(await repo.users.findByIds([])).toEqual([]);
      expect(await repo.users.findByIds([MISSING])).toEqual([undefined]);
    });

    it("finds reset requests, each in its id's place, undefined for a missing id", async () => {
      const first = await repo.resetRequests.record(newResetRequest(`rr_batch_${++serial}`));
      const second = await repo.resetRequests.record(newResetRequest(`rr_batch_${++serial}`));

      const found = await repo.resetRequests.findByIds([second.id, MISSING, first.id]);

      expect(found).toHaveLength(3);
      expect(found[0]).toEqual(await repo.resetRequests.findById(second.id));
      expect(found[0]?.publicId).toBe(second.publicId);
      expect(found[1]).toBeUndefined();
      expect(found[2]).toEqual(await repo.resetRequests.findById(first.id));
      expect(found[2]?.publicId).toBe(first.publicId);
      expect(await repo.resetRequests.findByIds([])).toEqual([]);
    });
  });

  describe("tickets.issueAll", () => {
    it("issues every ticket, each findable by its hash and usable, and revokes only the users' older unused ones", async () => {
      const [withOlder, withUsed, fresh, bystander] = [
        await newUser(),
        await newUser(),
        await newUser(),
        await newUser(),
      ];
      const older = await repo.tickets.issue(newTicket(withOlder.id), START);
      const used = await repo.tickets.issue(newTicket(withUsed.id), START);
      await repo.tickets.consume(used.tokenHash, minutes(1));
      const others = await repo.tickets.issue(newTicket(bystander.id), START);
      const request = await repo.resetRequests.record(newResetRequest(`rr_batch_${++serial}`));

      const wanted = [
        newTicket(withOlder.id, { requestId: request.id, resultUrl: "https://app.example.com/" }),
        newTicket(withUsed.id, { includeEmailInRedirect: false }),
        newTicket(fresh.id, { expiresAt: minutes(30) }),
      ];
      const issued = await repo.tickets.issueAll(wanted, minutes(2));

      expect(issued).toHaveLength(3);
      expect(new Set(issued.map((ticket) => ticket.id)).size).toBe(3);
      issued.forEach((ticket, i) => {
        expect(ticket).toMatchObject({
          ...wanted[i],
          createdAt: minutes(2),
          usedAt: null,
          revokedAt: null,
          rejectedSubmissions: 0,
        });
      });
      for (const ticket of issued) {
        expect(await repo.tickets.findByTokenHash(ticket.tokenHash)).toEqual(ticket);
      }

      expect(await repo.tickets.findByTokenHash(older.tokenHash)).toMatchObject({
        revokedAt: minutes(2),
        usedAt: null,
      });
      expect(await repo.tickets.findByTokenHash(used.tokenHash)).toMatchObject({
        usedAt: minutes(1),
        revokedAt: null,
      });
      expect(await repo.tickets.findByTokenHash(others.tokenHash)).toMatchObject({
        revokedAt: null,
      });

      for (const ticket of issued) {
        expect(await repo.tickets.consume(ticket.tokenHash, minutes(3))).toMatchObject({
          id: ticket.id,
          usedAt: minutes(3),
        });
      }
    });

    it("issues nothing for an empty list", async () => {
      expect(await repo.tickets.issueAll([], START)).toEqual([]);
    });

    it("refuses a user twice in one statement, writing nothing", async () => {
      const [twice, once] = [await newUser(), await newUser()];
      const earlier = await repo.tickets.issue(newTicket(twice.id), START);
      const wanted = [newTicket(twice.id), newTicket(once.id), newTicket(twice.id)];

      await expect(repo.tickets.issueAll(wanted, minutes(1))).rejects.toThrow();

      for (const ticket of wanted) {
        expect(await repo.tickets.findByTokenHash(ticket.tokenHash)).toBeUndefined();
      }
      expect(await repo.tickets.findByTokenHash(earlier.tokenHash)).toMatchObject({
        revokedAt: null,
        usedAt: null,
      });
    });
  });

  describe("outbox", () => {
    it("enqueueAll enqueues every email, and claimDue hands them over with their fields", async () => {
      await emptyOutbox();
      const [reset, notified] = [await newUser(), await newUser()];
      const request = await repo.resetRequests.record(newResetRequest(`rr_batch_${++serial}`));
      const at = minutes(5);

      await repo.outbox.enqueueAll(
        [
          {
            messageRef: `msg_batch_${++serial}_a`,
            kind: "change_password",
            requestId: request.id,
            userId: reset.id,
            toAddress: reset.email,
          },
          {
            messageRef: `msg_batch_${serial}_b`,
            kind: "password_changed",
            requestId: null,
            userId: notified.id,
            toAddress: notified.email,
            changedBy: "user",
          },
          {
            messageRef: `msg_batch_${serial}_c`,
            kind: "password_changed",
            requestId: null,
            userId: notified.id,
            toAddress: "zoë+notice@example.com",
            changedBy: "admin",
          },
        ],
        at,
      );
      await repo.outbox.enqueueAll([], at);

      const claimed = await repo.outbox.claimDue(minutes(6), minutes(7), 10);
      const byRef = new Map(claimed.map((email) => [email.messageRef, email]));
      expect([...byRef.keys()].sort()).toEqual([
        `msg_batch_${serial}_a`,
        `msg_batch_${serial}_b`,
        `msg_batch_${serial}_c`,
      ]);
      const common = {
        status: "sending",
        attempts: 1,
        createdAt: at,
        nextAttemptAt: at,
        lockedUntil: minutes(7),
        sentAt: null,
        providerMessageId: null,
      };
      expect(byRef.get(`msg_batch_${serial}_a`)).toMatchObject({
        ...common,
        kind: "change_password",
        requestId: request.id,
        userId: reset.id,
        toAddress: reset.email,
        changedBy: null,
      });
      expect(byRef.get(`msg_batch_${serial}_b`)).toMatchObject({
        ...common,
        kind: "password_changed",
        requestId: null,
        userId: notified.id,
        toAddress: notified.email,
        changedBy: "user",
      });
      expect(byRef.get(`msg_batch_${serial}_c`)).toMatchObject({
        ...common,
        kind: "password_changed",
        requestId: null,
        userId: notified.id,
        toAddress: "zoë+notice@example.com",
        changedBy: "admin",
      });
    });

    it("markAllSent marks exactly those emails sent, with their provider ids, and nothing else", async () => {
      await emptyOutbox();
      const user = await newUser();
      const refs = [1, 2, 3, 4].map((n) => `msg_batch_${++serial}_${n}`);
      await repo.outbox.enqueueAll(
        refs.map((messageRef) => ({
          messageRef,
          kind: "change_password" as const,
          requestId: null,
          userId: user.id,
          toAddress: user.email,
        })),
        minutes(10),
      );
      const claimed = await repo.outbox.claimDue(minutes(11), minutes(12), 10);
      const idOf = (ref: string | undefined) => {
        const email = claimed.find((row) => row.messageRef === ref);
        if (!email) throw new Error(`${ref} was not claimed`);
        return email.id;
      };
      const [first, second, third, fourth] = refs;

      await repo.outbox.markAllSent(
        [
          { id: idOf(first), providerMessageId: "provider-first" },
          { id: idOf(third), providerMessageId: null },
        ],
        minutes(13),
      );
      await repo.outbox.markAllSent([], minutes(14));

      expect(await repo.outbox.findByRef(first ?? "")).toMatchObject({
        status: "sent",
        providerMessageId: "provider-first",
        sentAt: minutes(13),
        lockedUntil: null,
        lastError: null,
      });
      expect(await repo.outbox.findByRef(third ?? "")).toMatchObject({
        status: "sent",
        providerMessageId: null,
        sentAt: minutes(13),
        lockedUntil: null,
      });
      for (const ref of [second, fourth]) {
        expect(await repo.outbox.findByRef(ref ?? "")).toMatchObject({
          status: "sending",
          providerMessageId: null,
          sentAt: null,
          lockedUntil: minutes(12),
        });
      }
    });
  });
});
