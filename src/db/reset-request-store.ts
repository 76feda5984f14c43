import { and, asc, desc, eq, gte, sql } from "drizzle-orm";
import type { RecordEntry, RecordOutcome, ResetRequestStore } from "../password-reset/ports.ts";
import type { Executor } from "./client.ts";
import {
  bucketStatesOf,
  bucketsParameter,
  TAKE_TOKENS,
  type TakenRow,
} from "./rate-limit-store.ts";
import { jsonParameter, type RawQuery } from "./raw-query.ts";
import { emailOutbox, resetRequests } from "./schema.ts";

const MARK_ALL_PROCESSED = `
  update reset_requests
  set status = outcome.status, user_id = outcome.user_id, processed_at = $1::timestamptz
  from jsonb_to_recordset($2::jsonb) as outcome (id bigint, status text, user_id bigint)
  where reset_requests.id = outcome.id`;

/**
 * TAKE_TOKENS for every entry's buckets, then each request (`$3`, a jsonb array) inserted only if
 * all of its buckets allowed it. Buckets come back as rows with a key, recorded requests as rows
 * with a public_id.
 */
const RECORD_ALL_IF_ALLOWED = `
  with taken as (${TAKE_TOKENS}),
  recorded as (
    insert into reset_requests (public_id, email, connection, client_id, organization, source, requested_by, client_ip, created_at)
    select public_id, email, connection, client_id, organization, source, requested_by, client_ip, $1::timestamptz
    from jsonb_to_recordset($3::jsonb) as request (
      position integer, public_id text, email text, connection text, client_id text,
      organization text, source text, requested_by jsonb, client_ip text, bucket_keys text[])
    where not exists (select from taken where taken.key = any(request.bucket_keys) and not taken.allowed)
    order by position
    returning public_id
  )
  select key, capacity, per_minute, tokens, allowed, null as public_id from taken
  union all
  select null, null, null, null, null, public_id from recorded`;

type RecordRow = { [K in keyof TakenRow]: TakenRow[K] | null } & { public_id: string | null };

export function createDrizzleResetRequestStore(db: Executor, query: RawQuery): ResetRequestStore {
  async function recordAllIfAllowed(
    entries: RecordEntry[],
    at: Date,
  ): Promise<Array<RecordOutcome | undefined>> {
    const buckets = entries.flatMap((entry) => entry.buckets);
    const rows = await query<RecordRow>(RECORD_ALL_IF_ALLOWED, [
      at.toISOString(),
      bucketsParameter(buckets),
      jsonParameter(
        entries.map(({ request, buckets }, position) => ({
          position,
          public_id: request.publicId,
          email: request.email,
          connection: request.connection,
          client_id: request.clientId,
          organization: request.organization,
          source: request.source,
          requested_by: request.requestedBy,
          client_ip: request.clientIp,
          bucket_keys: buckets.map((bucket) => bucket.key),
        })),
      ),
    ]);
    const taken = rows.filter((row): row is TakenRow & RecordRow => row.key !== null);
    const recorded = new Set(rows.map((row) => row.public_id));
    // Every entry's states in one pass, then each entry's own run of them, in order.
    const states = bucketStatesOf(buckets, taken);
    let next = 0;
    return entries.map((entry) => {
      next += entry.buckets.length;
      const own = states.slice(next - entry.buckets.length, next);
      if (!own.every((state) => state !== undefined)) return undefined;
      return { buckets: own, recorded: recorded.has(entry.request.publicId) };
    });
  }

  return {
    async record(request) {
      const [row] = await db.insert(resetRequests).values(request).returning();
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async recordIfAllowed(request, buckets, at) {
      const [outcome] = await recordAllIfAllowed([{ request, buckets }], at);
      if (!outcome) throw new Error("no outcome for the request");
      return outcome;
    },
    recordAllIfAllowed,
    async findById(id) {
      const [row] = await db.select().from(resetRequests).where(eq(resetRequests.id, id));
      return row;
    },
    async findByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(resetRequests)
        .where(
          sql`${resetRequests.id} = any(array(select jsonb_array_elements_text(${jsonParameter(ids)}::jsonb)::bigint))`,
        );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    },
    async findByPublicId(publicId) {
      const [row] = await db
        .select()
        .from(resetRequests)
        .where(eq(resetRequests.publicId, publicId));
      return row;
    },
    claimPending(limit, fromId = 0) {
      return (
        db
          // Only what deciding reads: a batch is up to a thousand rows, held for its transaction.
          .select({
            id: resetRequests.id,
            publicId: resetRequests.publicId,
            email: resetRequests.email,
            connection: resetRequests.connection,
            clientId: resetRequests.clientId,
            organization: resetRequests.organization,
            source: resetRequests.source,
            requestedBy: resetRequests.requestedBy,
            clientIp: resetRequests.clientIp,
          })
          .from(resetRequests)
          // 'pending' as a literal: the partial index on pending ids is then usable by any plan,
          // generic ones for prepared statements included.
          .where(and(sql`${resetRequests.status} = 'pending'`, gte(resetRequests.id, fromId)))
          .orderBy(asc(resetRequests.id))
          .limit(limit)
          .for("update", { skipLocked: true })
      );
    },
    async listRecentBySlackUser(slackUserId, limit) {
      const rows = await db
        .select({
          publicId: resetRequests.publicId,
          email: resetRequests.email,
          connection: resetRequests.connection,
          status: resetRequests.status,
          createdAt: resetRequests.createdAt,
          emailStatus: emailOutbox.status,
          deliveryStatus: emailOutbox.deliveryStatus,
        })
        .from(resetRequests)
        .leftJoin(emailOutbox, eq(emailOutbox.requestId, resetRequests.id))
        .where(
          and(
            eq(resetRequests.source, "slack"),
            sql`${resetRequests.requestedBy}->>'userId' = ${slackUserId}`,
          ),
        )
        .orderBy(desc(resetRequests.id))
        .limit(limit);
      return rows;
    },
    async markAllProcessed(outcomes, at) {
      if (outcomes.length === 0) return;
      await query(MARK_ALL_PROCESSED, [
        at.toISOString(),
        jsonParameter(outcomes.map(({ id, status, userId }) => ({ id, status, user_id: userId }))),
      ]);
    },
  };
}
