import { type ChainedContent, canonicalFields } from "../audit/chain.ts";
import type { AuditEntry } from "../audit/ports.ts";
import { jsonArrayOf, type RawQuery } from "./raw-query.ts";

/**
 * Appends to the audit chain (src/audit/chain.ts) serialise on this transaction-level lock, which
 * the database function passdesk_audit_append (drizzle/0010_audit_append_function.sql) takes
 * before it reads the chain's head and holds until its transaction commits: the entries' ids,
 * positions and hashes then follow the order in which the appends commit, with any number of
 * instances. Others take it to read the chain and append depending on what they read.
 */
export const CHAIN_LOCK_KEY = 7_310_245_002;
export const LOCK_CHAIN = "select pg_advisory_xact_lock($1::bigint)";

/**
 * Lock, head, ids, time, links and insert, in one statement: one round trip, and the lock is held
 * for no round trip but the commit's.
 */
const APPEND = "select passdesk_audit_append($1::jsonb)";

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
 * Appends entries to the chain: inside the caller's transaction, the chain's lock is then held
 * until that transaction ends, so callers append last (see createBufferedAuditLog); alone, the
 * statement is its own transaction. Each entry's canonical fields are computed here, before the
 * lock that every append waits for; the database function links them and stores them.
 */
export async function appendToChain(
  query: RawQuery,
  entries: readonly AuditEntry[],
  shouldPost: (entry: AuditEntry) => boolean,
): Promise<void> {
  if (entries.length === 0) return;
  // The canonical fields are the row too: the function stores what it hashes.
  const rows = entries.map((entry) => {
    const fields = canonicalFields({ ...normalised(entry), details: entry.details ?? {} });
    return `{"fields":${JSON.stringify(fields)},"slack_state":${shouldPost(entry) ? '"pending"' : "null"}}`;
  });
  await query(APPEND, [jsonArrayOf(rows)]);
}
