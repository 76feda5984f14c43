import { and, asc, desc, eq, gte, sql } from "drizzle-orm";
import type { Executor } from "./client.ts";
import {
  type Bucket,
  type BucketState,
  bucketStatesOf,
  type TakenRow,
  takeTokensParameters,
  takeTokensText,
} from "./rate-limit-store.ts";
import { jsonParameter, type RawQuery } from "./raw-query.ts";
import { emailOutbox, resetRequests } from "./schema.ts";

export type ResetRequestSource = "api" | "slack" | "cli";

export interface NewResetRequest {
  publicId: string;
  email: string;
  connection: string;
  clientId: string | null;
  organization: string | null;
  source: ResetRequestSource;
  requestedBy: Record<string, string> | null;
  clientIp: string | null;
}

export type ResetRequest = typeof resetRequests.$inferSelect;

export interface ResetRequestStore {
  record(request: NewResetRequest): Promise<ResetRequest>;
  /**
   * Takes a token from each bucket and, only if every one allowed it, records the request — in
   * one statement, so the public endpoint makes a single round trip to the database.
   */
  recordIfAllowed(
    request: NewResetRequest,
    buckets: Bucket[],
    at: Date,
  ): Promise<{ buckets: BucketState[]; recorded: boolean }>;
  findById(id: number): Promise<ResetRequest | undefined>;
  findByPublicId(publicId: string): Promise<ResetRequest | undefined>;
  /**
   * Locks up to `limit` pending requests, oldest first, for this transaction; other workers skip
   * them. `fromId` starts the scan at that id instead of the first pending one.
   */
  claimPending(limit: number, fromId?: number): Promise<ResetRequest[]>;
  /** Records each request's outcome, in one statement. */
  markAllProcessed(
    outcomes: Array<{ id: number; status: string; userId: number | null }>,
    at: Date,
  ): Promise<void>;
  /** A Slack user's latest requests, newest first, with their email's delivery state. */
  listRecentBySlackUser(slackUserId: string, limit: number): Promise<RecentRequest[]>;
}

export interface RecentRequest {
  publicId: string;
  email: string;
  connection: string;
  status: string;
  createdAt: Date;
  /** The outbox state (pending, sending, sent, failed) and SendGrid's delivery status, if any. */
  emailStatus: string | null;
  deliveryStatus: string | null;
}

const MARK_ALL_PROCESSED = `
  update reset_requests
  set status = outcome.status, user_id = outcome.user_id, processed_at = $1::timestamptz
  from jsonb_to_recordset($2::jsonb) as outcome (id bigint, status text, user_id bigint)
  where reset_requests.id = outcome.id`;

const recordIfAllowedTexts = new Map<number, string>();

/** takeTokensText for `count` buckets, then the request's eight columns, inserted only if allowed. */
function recordIfAllowedText(count: number): string {
  let text = recordIfAllowedTexts.get(count);
  if (text === undefined) {
    const first = 2 + count * 4;
    const columns = Array.from({ length: 8 }, (_, i) => `$${first + i}`);
    columns[6] = `${columns[6]}::jsonb`;
    text = `with taken as (${takeTokensText(count)}),
      recorded as (
        insert into reset_requests (public_id, email, connection, client_id, organization, source, requested_by, client_ip, created_at)
        select ${columns.join(", ")}, $1::timestamptz
        where (select bool_and(allowed) from taken)
        returning public_id
      )
      select key, capacity, per_minute, tokens, allowed, (select count(*) from recorded) as recorded from taken`;
    recordIfAllowedTexts.set(count, text);
  }
  return text;
}

export function createDrizzleResetRequestStore(db: Executor, query: RawQuery): ResetRequestStore {
  return {
    async record(request) {
      const [row] = await db.insert(resetRequests).values(request).returning();
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async recordIfAllowed(request, buckets, at) {
      const text = recordIfAllowedText(buckets.length);
      const rows = await query<TakenRow & { recorded: number | string }>(text, [
        ...takeTokensParameters(buckets, at),
        request.publicId,
        request.email,
        request.connection,
        request.clientId,
        request.organization,
        request.source,
        request.requestedBy === null ? null : JSON.stringify(request.requestedBy),
        request.clientIp,
      ]);
      return {
        buckets: bucketStatesOf(rows),
        recorded: rows.length > 0 && Number(rows[0]?.recorded) > 0,
      };
    },
    async findById(id) {
      const [row] = await db.select().from(resetRequests).where(eq(resetRequests.id, id));
      return row;
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
          .select()
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
