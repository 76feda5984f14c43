import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { emailOutbox } from "./schema.ts";

export type OutboxEmail = typeof emailOutbox.$inferSelect;

export interface NewOutboxEmail {
  messageRef: string;
  kind: "change_password" | "password_changed";
  requestId: number | null;
  userId: number;
  toAddress: string;
}

export interface OutboxStore {
  enqueue(email: NewOutboxEmail, at: Date): Promise<void>;
  /**
   * Leases up to `limit` emails that are due (or whose previous lease ran out: the process died
   * mid-send) until `leaseUntil`. Concurrent workers never lease the same email.
   */
  claimDue(at: Date, leaseUntil: Date, limit: number): Promise<OutboxEmail[]>;
  markSent(id: number, providerMessageId: string | null, at: Date): Promise<void>;
  scheduleRetry(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  findByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  /** Reads and locks the row for this transaction (delivery events for one email apply in turn). */
  lockByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  setDeliveryStatus(
    id: number,
    status: string,
    detail: string | null,
  ): Promise<OutboxEmail | undefined>;
}

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
