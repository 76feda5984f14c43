import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { AuditPostQueue } from "../audit/ports.ts";
import { toRecord } from "./audit-rows.ts";
import type { Executor } from "./client.ts";
import { rowsOf } from "./rows.ts";
import { auditLog } from "./schema.ts";

/** The audit channel's queue: audit_log rows to post to Slack, in the order they were written. */
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
