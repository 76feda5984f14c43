import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { AuditEntry, AuditLog, AuditPostQueue, AuditRecord } from "../audit/ports.ts";
import type { Executor } from "./client.ts";
import { jsonParameter, type RawQuery } from "./raw-query.ts";
import { rowsOf } from "./rows.ts";
import { auditLog } from "./schema.ts";

type Row = typeof auditLog.$inferSelect;

function toRecord(row: Row): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actorType: row.actorType as AuditRecord["actorType"],
    actorId: row.actorId,
    action: row.action,
    outcome: row.outcome,
    targetEmail: row.targetEmail,
    connection: row.connection,
    requestId: row.requestId,
    details: row.details,
    slackAttempts: row.slackAttempts,
  };
}

/** Entries in the order given (so their ids are too), from one JSON parameter. */
const RECORD_ALL = `
  insert into audit_log (actor_type, actor_id, action, outcome, target_email, connection,
    request_id, details, slack_state, slack_next_attempt_at)
  select actor_type, actor_id, action, outcome, target_email, connection,
    request_id, coalesce(details, '{}'), slack_state, slack_next_attempt_at
  from rows from (jsonb_to_recordset($1::jsonb) as (actor_type text, actor_id text,
    action text, outcome text, target_email text, connection text, request_id text,
    details jsonb, slack_state text, slack_next_attempt_at timestamptz))
    with ordinality as entry (actor_type, actor_id, action, outcome, target_email, connection,
    request_id, details, slack_state, slack_next_attempt_at, position)
  order by position`;

/** `shouldPost` decides which entries also go to the Slack audit channel. */
export function createDrizzleAuditLog(
  db: Executor,
  query: RawQuery,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): AuditLog {
  const toRow = (entry: AuditEntry, now: Date) => {
    const post = shouldPost(entry);
    return {
      ...entry,
      details: entry.details ?? {},
      slackState: post ? "pending" : null,
      slackNextAttemptAt: post ? now : null,
    };
  };
  async function recordAll(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = new Date();
    const rows = entries.map((entry) => {
      const row = toRow(entry, now);
      return {
        actor_type: row.actorType,
        actor_id: row.actorId ?? null,
        action: row.action,
        outcome: row.outcome,
        target_email: row.targetEmail ?? null,
        connection: row.connection ?? null,
        request_id: row.requestId ?? null,
        details: row.details,
        slack_state: row.slackState,
        slack_next_attempt_at: row.slackNextAttemptAt?.toISOString() ?? null,
      };
    });
    await query(RECORD_ALL, [jsonParameter(rows)]);
  }

  return {
    // One fixed statement (RECORD_ALL) for one entry too: drizzle would build an insert each time.
    record: (entry) => recordAll([entry]),
    recordAll,
    async tail(count) {
      const rows = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(count);
      return rows.reverse().map(toRecord);
    },
  };
}

export function createDrizzleAuditPostQueue(db: Executor): AuditPostQueue {
  return {
    async claimDue(at, leaseUntil, limit) {
      // Head of line: the oldest pending rows, up to the first one not yet due. A row waiting
      // for its retry holds back every later row, so the channel keeps the order of events.
      // FOR UPDATE (not SKIP LOCKED): a second instance waits, then finds the head leased.
      const rows = await db.execute(sql`
        with head as (
          select id, slack_next_attempt_at from audit_log
          where slack_state = 'pending' order by id limit ${limit} for update
        ), blocked as (
          select min(id) as id from head where slack_next_attempt_at > ${at.toISOString()}::timestamptz
        )
        update audit_log set slack_next_attempt_at = ${leaseUntil.toISOString()}::timestamptz
        where id in (
          select head.id from head, blocked where blocked.id is null or head.id < blocked.id
        )
        returning id`);
      const ids = rowsOf<{ id: number | string }>(rows).map((row) => Number(row.id));
      if (ids.length === 0) return [];
      const claimed = await db.select().from(auditLog).where(inArray(auditLog.id, ids));
      return claimed.sort((a, b) => a.id - b.id).map(toRecord);
    },
    async markPosted(id, channel, ts) {
      await db
        .update(auditLog)
        .set({ slackState: "posted", slackChannel: channel, slackTs: ts, slackNextAttemptAt: null })
        .where(eq(auditLog.id, id));
    },
    async scheduleRetry(id, nextAttemptAt) {
      const [row] = await db
        .select({ attempts: auditLog.slackAttempts })
        .from(auditLog)
        .where(eq(auditLog.id, id));
      await db
        .update(auditLog)
        .set({ slackNextAttemptAt: nextAttemptAt, slackAttempts: (row?.attempts ?? 0) + 1 })
        .where(eq(auditLog.id, id));
    },
    async findPosted(action, requestId) {
      const [row] = await db
        .select()
        .from(auditLog)
        .where(
          and(
            eq(auditLog.action, action),
            eq(auditLog.requestId, requestId),
            eq(auditLog.slackState, "posted"),
          ),
        )
        .orderBy(desc(auditLog.id))
        .limit(1);
      return row?.slackChannel && row.slackTs
        ? { record: toRecord(row), channel: row.slackChannel, ts: row.slackTs }
        : undefined;
    },
    async markAbandoned(id) {
      await db
        .update(auditLog)
        .set({ slackState: "abandoned", slackNextAttemptAt: null })
        .where(eq(auditLog.id, id));
    },
  };
}
