import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { OutboxClaim, OutboxStore } from "../email/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { drizzleQuery, jsonParameter, type RawQuery } from "./raw-query.ts";
import { emailOutbox } from "./schema.ts";

/** enqueue for a batch (`$2`, a jsonb array), in one statement of fixed text. */
const ENQUEUE_ALL = `
  insert into email_outbox (message_ref, kind, request_id, user_id, to_address, changed_by, created_at, next_attempt_at)
  select message_ref, kind, request_id, user_id, to_address, changed_by, $1::timestamptz, $1::timestamptz
  from jsonb_to_recordset($2::jsonb) as email (
    position integer, message_ref text, kind text, request_id bigint, user_id bigint,
    to_address text, changed_by text)
  order by position`;

/** markSent for a batch (`$2`, a jsonb array of ids and provider ids). */
const MARK_ALL_SENT = `
  update email_outbox
  set status = 'sent', provider_message_id = sent.provider_message_id, sent_at = $1::timestamptz,
    locked_until = null, last_error = null
  from jsonb_to_recordset($2::jsonb) as sent (id bigint, provider_message_id text)
  where email_outbox.id = sent.id`;

/** The email, while it is still being sent under `claim`'s lease (see OutboxStore). */
function stillLeased(claim: OutboxClaim) {
  return and(
    eq(emailOutbox.id, claim.id),
    eq(emailOutbox.status, "sending"),
    claim.lockedUntil
      ? eq(emailOutbox.lockedUntil, claim.lockedUntil)
      : isNull(emailOutbox.lockedUntil),
  );
}

export function createDrizzleOutboxStore(
  db: Executor,
  query: RawQuery = drizzleQuery(db),
): OutboxStore {
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
    async enqueueAll(emails, at) {
      if (emails.length === 0) return;
      await query(ENQUEUE_ALL, [
        at.toISOString(),
        jsonParameter(
          emails.map((email, position) => ({
            position,
            message_ref: email.messageRef,
            kind: email.kind,
            request_id: email.requestId,
            user_id: email.userId,
            to_address: email.toAddress,
            changed_by: email.changedBy ?? null,
          })),
        ),
      ]);
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
    async markAllSent(sent, at) {
      if (sent.length === 0) return;
      await query(MARK_ALL_SENT, [
        at.toISOString(),
        jsonParameter(
          sent.map(({ id, providerMessageId }) => ({
            id,
            provider_message_id: providerMessageId,
          })),
        ),
      ]);
    },
    async scheduleRetry(claim, nextAttemptAt, error) {
      await db
        .update(emailOutbox)
        .set({ status: "pending", nextAttemptAt, lockedUntil: null, lastError: error })
        .where(stillLeased(claim));
    },
    async release(claim, at, reason) {
      await db
        .update(emailOutbox)
        .set({
          status: "pending",
          attempts: sql`greatest(${emailOutbox.attempts} - 1, 0)`,
          nextAttemptAt: at,
          lockedUntil: null,
          lastError: reason,
        })
        .where(stillLeased(claim));
    },
    async markFailed(claim, error) {
      await db
        .update(emailOutbox)
        .set({ status: "failed", lockedUntil: null, lastError: error })
        .where(stillLeased(claim));
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
