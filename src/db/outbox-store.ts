import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { OutboxStore } from "../email/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { emailOutbox } from "./schema.ts";

export function createDrizzleOutboxStore(db: Executor): OutboxStore {
  // A claim and a mark per email sent: prepared, so drizzle builds them once.
  const claimDue = prepareOnce(() => {
    const at = sql.placeholder("at");
    const due = db
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(
        or(
          and(eq(emailOutbox.status, "pending"), lte(emailOutbox.nextAttemptAt, at)),
          and(eq(emailOutbox.status, "sending"), lt(emailOutbox.lockedUntil, at)),
        ),
      )
      .orderBy(asc(emailOutbox.nextAttemptAt))
      .limit(sql.placeholder("limit"))
      .for("update", { skipLocked: true });
    return db
      .update(emailOutbox)
      .set({
        status: "sending",
        attempts: sql`${emailOutbox.attempts} + 1`,
        lockedUntil: sql`${sql.placeholder("leaseUntil")}::timestamptz`,
      })
      .where(inArray(emailOutbox.id, due))
      .returning()
      .prepare("email_outbox_claim_due");
  });
  const markSent = prepareOnce(() =>
    db
      .update(emailOutbox)
      .set({
        status: "sent",
        providerMessageId: sql`${sql.placeholder("providerMessageId")}`,
        sentAt: sql`${sql.placeholder("at")}::timestamptz`,
        lockedUntil: null,
        lastError: null,
      })
      .where(eq(emailOutbox.id, sql.placeholder("id")))
      .prepare("email_outbox_mark_sent"),
  );
  return {
    async enqueue(email, at) {
      await db.insert(emailOutbox).values({ ...email, createdAt: at, nextAttemptAt: at });
    },
    claimDue(at, leaseUntil, limit) {
      // Times go as text: placeholders skip drizzle's column encoding.
      return claimDue().execute({
        at: at.toISOString(),
        leaseUntil: leaseUntil.toISOString(),
        limit,
      });
    },
    async markSent(id, providerMessageId, at) {
      await markSent().execute({ id, providerMessageId, at: at.toISOString() });
    },
    async scheduleRetry(id, nextAttemptAt, error) {
      await db
        .update(emailOutbox)
        .set({ status: "pending", nextAttemptAt, lockedUntil: null, lastError: error })
        .where(eq(emailOutbox.id, id));
    },
    async markFailed(id, error) {
      await db
        .update(emailOutbox)
        .set({ status: "failed", lockedUntil: null, lastError: error })
        .where(eq(emailOutbox.id, id));
    },
    async lockByRef(messageRef) {
      const [row] = await db
        .select()
        .from(emailOutbox)
        .where(eq(emailOutbox.messageRef, messageRef))
        .for("update");
      return row;
    },
    async setDeliveryStatus(id, status, detail) {
      const [row] = await db
        .update(emailOutbox)
        .set({ deliveryStatus: status, deliveryDetail: detail })
        .where(eq(emailOutbox.id, id))
        .returning();
      return row;
    },
    async findByRef(messageRef) {
      const [row] = await db
        .select()
        .from(emailOutbox)
        .where(eq(emailOutbox.messageRef, messageRef));
      return row;
    },
  };
}
