import { asc, desc, gt, isNotNull, sql } from "drizzle-orm";
import {
  ANCHOR_ACTION,
  type AuditChainStore,
  anchorEntry,
  type ChainHead,
} from "../audit/chain.ts";
import type { AuditEntry } from "../audit/ports.ts";
import { appendToChain, CHAIN_LOCK_KEY, LOCK_CHAIN } from "./audit-append.ts";
import { toRecord } from "./audit-rows.ts";
import type { Database, Executor } from "./client.ts";
import { drizzleQuery } from "./raw-query.ts";
import { rowsOf } from "./rows.ts";
import { auditLog } from "./schema.ts";

async function readHead(db: Executor): Promise<ChainHead | undefined> {
  const [row] = await db
    .select()
    .from(auditLog)
    .where(isNotNull(auditLog.chainSeq))
    .orderBy(desc(auditLog.chainSeq))
    .limit(1);
  return row?.chainSeq != null && row.chainHash
    ? { seq: row.chainSeq, id: row.id, at: row.at, hash: row.chainHash }
    : undefined;
}

const LAST_ANCHOR = `
  select floor(extract(epoch from clock_timestamp() - created_at) * 1000)::text as age_ms
  from audit_log where action = '${ANCHOR_ACTION}' order by id desc limit 1`;

/** The chain as `passdesk audit verify`, `anchor` and `export` read it. */
export function createDrizzleAuditChainStore(
  db: Database,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): AuditChainStore {
  const chainStore: AuditChainStore = {
    anchorIfDue: (everyMillis) =>
      db.transaction(async (tx) => {
        const query = drizzleQuery(tx);
        // Under the chain's lock: two instances cannot both find the last anchor old.
        await query(LOCK_CHAIN, [CHAIN_LOCK_KEY]);
        const [last] = await query<{ age_ms: string }>(LAST_ANCHOR, []);
        if (last && Number(last.age_ms) < everyMillis) return undefined;
        const head = await readHead(tx);
        if (!head) return undefined;
        await appendToChain(query, [anchorEntry(head)], shouldPost);
        return head;
      }),
    head: () => readHead(db),
    async page(afterSeq, limit) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(gt(auditLog.chainSeq, afterSeq))
        .orderBy(asc(auditLog.chainSeq))
        .limit(limit);
      return rows.map((row) => ({
        ...toRecord(row),
        seq: row.chainSeq as number,
        hash: row.chainHash ?? "",
      }));
    },
    async after(afterId, limit) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(gt(auditLog.id, afterId))
        .orderBy(asc(auditLog.id))
        .limit(limit);
      return rows.map((row) => ({ ...toRecord(row), seq: row.chainSeq, hash: row.chainHash }));
    },
    async outside() {
      const rows = await db.execute(sql`
        with first as (
          select id from audit_log where chain_seq is not null order by chain_seq limit 1
        )
        select
          (select count(*) from audit_log
            where chain_seq is null
              and id < coalesce((select id from first), 9223372036854775807))::int as before,
          (select min(id) from audit_log
            where chain_seq is null and id > (select id from first))::text as first_after`);
      const [row] = rowsOf<{ before: number | string; first_after: string | null }>(rows);
      return {
        before: Number(row?.before ?? 0),
        firstAfter: row?.first_after == null ? null : Number(row.first_after),
      };
    },
  };
  return chainStore;
}
