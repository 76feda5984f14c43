import { and, asc, desc, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import {
  ANCHOR_ACTION,
  type AuditChainStore,
  anchorEntry,
  type ChainedContent,
  type ChainHead,
  canonicalFields,
  canonicalJson,
  canonicalText,
  GENESIS_HASH,
  linkHash,
  placedText,
} from "../audit/chain.ts";
import type { AuditEntry, AuditLog, AuditPostQueue, AuditRecord } from "../audit/ports.ts";
import type { Database, Executor } from "./client.ts";
import { isCausedByValues } from "./group-commit.ts";
import { drizzleQuery, jsonArrayOf, type RawQuery } from "./raw-query.ts";
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

/**
 * Appends to the audit chain (src/audit/chain.ts) are serialised by this transaction-level lock,
 * taken once per transaction just before it commits: the entries' ids, positions and hashes
 * then follow the order in which the appends commit, with any number of instances.
 */
const CHAIN_LOCK_KEY = 7_310_245_002;
const LOCK_CHAIN = "select pg_advisory_xact_lock($1::bigint)";

/**
 * Read after the lock is held (a statement of its own, so that its snapshot sees the last
 * append committed): the chain's head, ids for the new entries, and the time.
 *
 * The ids are one range, reserved by moving the sequence once: only this statement draws from
 * it (INSERT_CHAINED is the one insert into audit_log, and gives every id), always under the
 * lock, so no other draw can fall inside the range. A rolled-back append leaves a gap, as
 * nextval would.
 */
const CHAIN_HEAD = `
  select head.chain_seq::text as seq, head.chain_hash as hash,
    (select setval(s.seq, nextval(s.seq) + $1::int - 1)
      from (select pg_get_serial_sequence('audit_log', 'id')::regclass as seq) as s)::text
      as last_id,
    floor(extract(epoch from clock_timestamp()) * 1000)::text as now_ms
  from (select) as one
  left join lateral (
    select chain_seq, chain_hash from audit_log
    where chain_seq is not null order by chain_seq desc limit 1
  ) as head on true`;

/** Entries as given, ids, positions and hashes included, from one JSON parameter. */
const INSERT_CHAINED = `
  insert into audit_log (id, created_at, actor_type, actor_id, action, outcome, target_email,
    connection, request_id, details, slack_state, slack_next_attempt_at, chain_seq, chain_hash)
  select id, at, actor_type, actor_id, action, outcome, target_email, connection,
    request_id, coalesce(details, '{}'), slack_state,
    case when slack_state = 'pending' then at end, chain_seq, chain_hash
  from jsonb_to_recordset($1::jsonb) as entry (id bigint, at timestamptz, actor_type text,
    actor_id text, action text, outcome text, target_email text, connection text,
    request_id text, details jsonb, slack_state text, chain_seq bigint, chain_hash text)`;

interface HeadRow {
  seq: string | null;
  hash: string | null;
  /** The last of the ids reserved for the new entries, which end the range. */
  last_id: string;
  now_ms: string;
}

/** An entry's fields, absent ones as null (canonicalText stores strings well-formed). */
function normalised(entry: AuditEntry): Omit<ChainedContent, "seq" | "id" | "at" | "details"> {
  return {
    actorType: entry.actorType,
    actorId: entry.actorId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    targetEmail: entry.targetEmail ?? null,
    connection: entry.connection ?? null,
    requestId: entry.requestId ?? null,
  };
}

/**
 * Appends entries to the chain inside the caller's transaction: lock, head, one insert. The
 * lock is held until that transaction ends, so callers append last (see createBufferedAuditLog).
 */
async function appendToChain(
  query: RawQuery,
  entries: readonly AuditEntry[],
  shouldPost: (entry: AuditEntry) => boolean,
): Promise<void> {
  if (entries.length === 0) return;
  // Everything that does not depend on the place in the chain is done before taking the lock,
  // which every appending transaction waits for: each row's JSON and canonical fields.
  const prepared = entries.map((entry) => {
    const content = normalised(entry);
    const details = canonicalJson(entry.details ?? {});
    const row = [
      `"actor_type":${canonicalText(content.actorType)}`,
      `"actor_id":${canonicalText(content.actorId)}`,
      `"action":${canonicalText(content.action)}`,
      `"outcome":${canonicalText(content.outcome)}`,
      `"target_email":${canonicalText(content.targetEmail)}`,
      `"connection":${canonicalText(content.connection)}`,
      `"request_id":${canonicalText(content.requestId)}`,
      `"details":${details}`,
      `"slack_state":${shouldPost(entry) ? '"pending"' : "null"}`,
    ];
    return { fields: canonicalFields({ ...content, details: {} }, details), row: row.join(",") };
  });
  await query(LOCK_CHAIN, [CHAIN_LOCK_KEY]);
  const [head] = await query<HeadRow>(CHAIN_HEAD, [entries.length]);
  if (!head) throw new Error("the audit chain's head could not be read");
  const at = new Date(Number(head.now_ms));
  const atJson = JSON.stringify(at.toISOString());
  let seq = Number(head.seq ?? 0);
  let previous = head.hash ?? GENESIS_HASH;
  const firstId = Number(head.last_id) - entries.length + 1;
  const rows = prepared.map(({ fields, row }, i) => {
    seq += 1;
    const id = firstId + i;
    previous = linkHash(previous, placedText(seq, id, atJson, fields));
    return `{"id":${id},"at":${atJson},"chain_seq":${seq},"chain_hash":"${previous}",${row}}`;
  });
  await query(INSERT_CHAINED, [jsonArrayOf(rows)]);
}

export interface BufferedAuditLog extends AuditLog {
  /** Appends what was recorded, in order; the transaction's last statements. */
  flush(): Promise<void>;
}

/**
 * The audit log inside a transaction: entries wait until the work is done and are appended just
 * before the commit, so the chain's lock is held only for the commit, never while the work waits
 * on other locks (which could deadlock).
 */
export function createBufferedAuditLog(
  db: Executor,
  query: RawQuery,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): BufferedAuditLog {
  const waiting: AuditEntry[] = [];
  return {
    async record(entry) {
      waiting.push(entry);
    },
    async recordAll(entries) {
      waiting.push(...entries);
    },
    tail: (count) => tail(db, count),
    async flush() {
      const entries = waiting.splice(0);
      await appendToChain(query, entries, shouldPost);
    },
  };
}

interface WaitingAppend {
  entries: AuditEntry[];
  resolve(): void;
  reject(error: unknown): void;
}

/** Entries per appending transaction, at most. */
const MAX_GROUP = 500;

/**
 * The audit log outside a transaction. Appends serialise on the chain's lock anyway, so this
 * process sends one at a time and the records that arrive meanwhile go together, as the next
 * transaction (group commit): 32 emails sent at once cost one lock and one commit, not 32 in
 * a row. Each caller's promise settles once its entries are committed; a batch refused for one
 * caller's values is retried caller by caller, so only that caller fails.
 */
export function createDrizzleAuditLog(
  db: Database,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): AuditLog {
  const queue: WaitingAppend[] = [];
  let appending = false;
  let scheduled = false;

  async function settle(group: WaitingAppend[]): Promise<void> {
    try {
      await db.transaction((tx) =>
        appendToChain(
          drizzleQuery(tx),
          group.flatMap((waiting) => waiting.entries),
          shouldPost,
        ),
      );
      for (const waiting of group) waiting.resolve();
    } catch (error) {
      if (group.length === 1 || !isCausedByValues(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      for (const waiting of group) await settle([waiting]);
    }
  }

  function next(): void {
    scheduled = false;
    if (appending || queue.length === 0) return;
    // Whole callers, up to MAX_GROUP entries (one larger caller goes alone).
    let take = 0;
    let size = 0;
    for (const waiting of queue) {
      if (take > 0 && size + waiting.entries.length > MAX_GROUP) break;
      size += waiting.entries.length;
      take += 1;
    }
    const group = queue.splice(0, take);
    appending = true;
    void settle(group).finally(() => {
      appending = false;
      next();
    });
  }

  /** After this turn of the event loop, so that records made in the same turn go together. */
  function schedule(): void {
    if (scheduled || appending) return;
    scheduled = true;
    setImmediate(next);
  }

  const recordAll = (entries: AuditEntry[]) =>
    entries.length === 0
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          queue.push({ entries, resolve, reject });
          schedule();
        });
  return {
    record: (entry) => recordAll([entry]),
    recordAll,
    tail: (count) => tail(db, count),
  };
}

async function tail(db: Executor, count: number): Promise<AuditRecord[]> {
  const rows = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(count);
  return rows.reverse().map(toRecord);
}

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
