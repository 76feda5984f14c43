import { sql } from "drizzle-orm";
import type { AuditEntry } from "../audit/ports.ts";
import type {
  ExternalChange,
  ExternalChangeOutcome,
  ExternalChangeStore,
} from "../password-reset/external-change.ts";
import type { Executor } from "./client.ts";
import { jsonParameter } from "./raw-query.ts";
import { rowsOf } from "./rows.ts";
import { externalPasswordChanges as changes, tickets } from "./schema.ts";

interface Row {
  id: string | number;
  user_id: string | number;
  ticket_id: string | number | null;
  idempotency_key: string;
  lease_until: string | Date;
  sealed_password: string | null;
  history_hash: string;
  audit: ExternalChangeOutcome | string;
  attempts: number;
}

const COLUMNS = sql`id, user_id, ticket_id, idempotency_key, lease_until, sealed_password,
  history_hash, audit, attempts`;

function toChange(row: Row): ExternalChange {
  const outcome = typeof row.audit === "string" ? JSON.parse(row.audit) : row.audit;
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
    idempotencyKey: row.idempotency_key,
    leaseUntil: new Date(row.lease_until),
    sealedPassword: row.sealed_password ?? "",
    historyHash: row.history_hash,
    outcome: outcome as { audit: AuditEntry; notify: boolean },
    attempts: row.attempts,
  };
}

/** The claims of password changes sent to external stores (password-reset/external-change.ts). */
export function createDrizzleExternalChangeStore(db: Executor): ExternalChangeStore {
  return {
    async claim(change, at) {
      const values = sql`${change.userId}::bigint, ${change.ticketId}::bigint,
        ${change.idempotencyKey}, ${change.leaseUntil.toISOString()}::timestamptz,
        ${change.sealedPassword}, ${change.historyHash}, ${jsonParameter(change.outcome)}::jsonb`;
      // With a ticket: only while it is usable, and only one unreleased change of it (the partial
      // unique index): of simultaneous submissions of one link, one claims it.
      const statement =
        change.ticketId === null
          ? sql`insert into ${changes} (user_id, ticket_id, idempotency_key, lease_until,
              sealed_password, history_hash, audit)
            values (${values}) returning ${COLUMNS}`
          : sql`insert into ${changes} (user_id, ticket_id, idempotency_key, lease_until,
              sealed_password, history_hash, audit)
            select ${values} from ${tickets}
            where ${tickets.id} = ${change.ticketId} and ${tickets.usedAt} is null
              and ${tickets.revokedAt} is null
              and ${tickets.expiresAt} > ${at.toISOString()}::timestamptz
            on conflict (ticket_id) where state <> 'released' do nothing
            returning ${COLUMNS}`;
      const [row] = rowsOf<Row>(await db.execute(statement));
      return row && toChange(row);
    },
    async finish(id, at) {
      const [row] = rowsOf<Row>(
        await db.execute(sql`
          update ${changes} set state = 'done', sealed_password = null,
            finished_at = ${at.toISOString()}::timestamptz
          where id = ${id} and state = 'claimed'
          returning ${COLUMNS}`),
      );
      return row && toChange(row);
    },
    async release(id, at, leaseUntil) {
      const rows = rowsOf<Row>(
        await db.execute(sql`
          update ${changes} set state = 'released', sealed_password = null,
            finished_at = ${at.toISOString()}::timestamptz
          where id = ${id} and state = 'claimed'
            and lease_until = ${leaseUntil.toISOString()}::timestamptz
          returning id`),
      );
      return rows.length > 0;
    },
    async takeOverLapsed(at, leaseUntil, limit) {
      const rows = rowsOf<Row>(
        await db.execute(sql`
          update ${changes} set lease_until = ${leaseUntil.toISOString()}::timestamptz,
            attempts = attempts + 1
          where id in (
            select id from ${changes}
            where state = 'claimed' and lease_until < ${at.toISOString()}::timestamptz
            order by lease_until limit ${limit}
            for update skip locked
          )
          returning ${COLUMNS}`),
      );
      return rows.map(toChange);
    },
  };
}
