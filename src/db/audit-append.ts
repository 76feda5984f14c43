import {
  type ChainedContent,
  canonicalFields,
  canonicalJson,
  canonicalText,
  GENESIS_HASH,
  linkHash,
  placedText,
} from "../audit/chain.ts";
import type { AuditEntry } from "../audit/ports.ts";
import { jsonArrayOf, type RawQuery } from "./raw-query.ts";

/**
 * Appends to the audit chain (src/audit/chain.ts) are serialised by this transaction-level lock,
 * taken once per transaction just before it commits: the entries' ids, positions and hashes
 * then follow the order in which the appends commit, with any number of instances.
 */
export const CHAIN_LOCK_KEY = 7_310_245_002;
export const LOCK_CHAIN = "select pg_advisory_xact_lock($1::bigint)";

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
export async function appendToChain(
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
