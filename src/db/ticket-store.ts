import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { TicketStore } from "../password-reset/ports.ts";
import type { Executor } from "./client.ts";
import { prepareOnce } from "./prepare-once.ts";
import { drizzleQuery, jsonParameter, type RawQuery } from "./raw-query.ts";
import { tickets } from "./schema.ts";

const unused = () => and(isNull(tickets.usedAt), isNull(tickets.revokedAt));

/**
 * issue for a batch (`$2`, a jsonb array), in one statement of fixed text: as in issue, the
 * revocation sees the table before the insert, so it revokes none of the new tickets.
 */
const ISSUE_ALL = `
  with revoked as (
    update tickets set revoked_at = $1::timestamptz
    where user_id = any(array(select (jsonb_array_elements($2::jsonb) ->> 'user_id')::bigint))
      and used_at is null and revoked_at is null
    returning id
  )
  insert into tickets (token_hash, user_id, request_id, expires_at, result_url, include_email_in_redirect, created_at)
  select token_hash, user_id, request_id, expires_at, result_url, include_email_in_redirect, $1::timestamptz
  from jsonb_to_recordset($2::jsonb) as ticket (
    position integer, token_hash text, user_id bigint, request_id bigint, expires_at timestamptz,
    result_url text, include_email_in_redirect boolean)
  order by position
  returning id, token_hash`;

export function createDrizzleTicketStore(
  db: Executor,
  query: RawQuery = drizzleQuery(db),
): TicketStore {
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
    async issueAll(issued, at) {
      if (issued.length === 0) return [];
      if (new Set(issued.map((ticket) => ticket.userId)).size < issued.length) {
        throw new Error("a user may have one ticket per statement");
      }
      const rows = await query<{ id: string | number; token_hash: string }>(ISSUE_ALL, [
        at.toISOString(),
        jsonParameter(
          issued.map((ticket, position) => ({
            position,
            token_hash: ticket.tokenHash,
            user_id: ticket.userId,
            request_id: ticket.requestId,
            expires_at: ticket.expiresAt.toISOString(),
            result_url: ticket.resultUrl,
            include_email_in_redirect: ticket.includeEmailInRedirect,
          })),
        ),
      ]);
      const ids = new Map(rows.map((row) => [row.token_hash, Number(row.id)]));
      return issued.map((ticket) => {
        const id = ids.get(ticket.tokenHash);
        if (id === undefined) throw new Error("insert returned no row");
        return {
          ...ticket,
          id,
          createdAt: at,
          usedAt: null,
          revokedAt: null,
          rejectedSubmissions: 0,
        };
      });
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
