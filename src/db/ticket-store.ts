import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { TicketStore } from "../password-reset/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { tickets } from "./schema.ts";

const unused = () => and(isNull(tickets.usedAt), isNull(tickets.revokedAt));

export function createDrizzleTicketStore(db: Executor): TicketStore {
  // One prepared statement per email sent: the revocation runs as a CTE, which sees the table as
  // it was before the insert, so the new ticket is never among those it revokes.
  const issue = prepareOnce(() => {
    const revoked = db.$with("revoked", { id: tickets.id }).as(
      sql`update ${tickets} set revoked_at = ${sql.placeholder("at")}::timestamptz
        where ${tickets.userId} = ${sql.placeholder("userId")}
          and ${tickets.usedAt} is null and ${tickets.revokedAt} is null
        returning ${tickets.id}`,
    );
    return db
      .with(revoked)
      .insert(tickets)
      .values({
        tokenHash: sql.placeholder("tokenHash"),
        userId: sql.placeholder("userId"),
        requestId: sql.placeholder("requestId"),
        expiresAt: sql.placeholder("expiresAt"),
        resultUrl: sql.placeholder("resultUrl"),
        includeEmailInRedirect: sql.placeholder("includeEmailInRedirect"),
        createdAt: sql.placeholder("createdAt"),
      })
      .returning()
      .prepare("tickets_issue");
  });
  // Every view and submit of the reset page reads its ticket.
  const findByTokenHash = prepareOnce(() =>
    db
      .select()
      .from(tickets)
      .where(eq(tickets.tokenHash, sql.placeholder("tokenHash")))
      .prepare("tickets_find_by_token_hash"),
  );
  return {
    async issue(ticket, at) {
      const [row] = await issue().execute({ ...ticket, at: at.toISOString(), createdAt: at });
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async findByTokenHash(tokenHash) {
      const [row] = await findByTokenHash().execute({ tokenHash });
      return row;
    },
    async consume(tokenHash, at) {
      const [row] = await db
        .update(tickets)
        .set({ usedAt: at })
        .where(and(eq(tickets.tokenHash, tokenHash), unused(), gt(tickets.expiresAt, at)))
        .returning();
      return row;
    },
    async recordRejectedSubmission(tokenHash, at, budget) {
      const [row] = await db
        .update(tickets)
        .set({
          rejectedSubmissions: sql`${tickets.rejectedSubmissions} + 1`,
          // The guard below only lets unrevoked tickets through, so "else" keeps it null.
          revokedAt: sql`case when ${tickets.rejectedSubmissions} + 1 >= ${budget}
            then ${at.toISOString()}::timestamptz end`,
        })
        .where(and(eq(tickets.tokenHash, tokenHash), unused(), gt(tickets.expiresAt, at)))
        .returning({
          rejectedSubmissions: tickets.rejectedSubmissions,
          revokedAt: tickets.revokedAt,
        });
      return (
        row && { rejectedSubmissions: row.rejectedSubmissions, revoked: row.revokedAt !== null }
      );
    },
    async revoke(id, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.id, id), isNull(tickets.revokedAt)));
    },
    async markUsed(id, at) {
      await db
        .update(tickets)
        .set({ usedAt: at })
        .where(and(eq(tickets.id, id), isNull(tickets.usedAt)));
    },
    async revokeUnusedForUser(userId, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.userId, userId), unused()));
    },
  };
}
