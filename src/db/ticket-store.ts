import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { tickets } from "./schema.ts";

export type Ticket = typeof tickets.$inferSelect;

export interface NewTicket {
  tokenHash: string;
  userId: number;
  requestId: number | null;
  expiresAt: Date;
  resultUrl: string | null;
  includeEmailInRedirect: boolean;
}

export interface TicketStore {
  /** Stores a ticket and revokes the user's other unused tickets: only the newest link works. */
  issue(ticket: NewTicket, at: Date): Promise<Ticket>;
  findByTokenHash(tokenHash: string): Promise<Ticket | undefined>;
  /**
   * Marks the ticket used if it is still unused, unrevoked and unexpired at `at`, in one guarded
   * UPDATE: of any number of simultaneous calls, exactly one gets the ticket back.
   */
  consume(tokenHash: string, at: Date): Promise<Ticket | undefined>;
  /**
   * Counts one refused submission of a ticket still usable at `at`, in one guarded UPDATE; the
   * one that brings the count to `budget` also revokes it. Simultaneous calls queue on the row and
   * re-check the guard, so none counts past the budget. Undefined when the ticket was not usable.
   */
  recordRejectedSubmission(
    tokenHash: string,
    at: Date,
    budget: number,
  ): Promise<{ rejectedSubmissions: number; revoked: boolean } | undefined>;
  revoke(id: number, at: Date): Promise<void>;
  revokeUnusedForUser(userId: number, at: Date): Promise<void>;
}

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
    async revokeUnusedForUser(userId, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.userId, userId), unused()));
    },
  };
}
