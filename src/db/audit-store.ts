import { desc } from "drizzle-orm";
import type { AuditEntry, AuditLog, AuditRecord } from "../audit/ports.ts";
import { appendToChain } from "./audit-append.ts";
import { toRecord } from "./audit-rows.ts";
import type { Database, Executor } from "./client.ts";
import { isCausedByValues } from "./group-commit.ts";
import { drizzleQuery, type RawQuery } from "./raw-query.ts";
import { auditLog } from "./schema.ts";

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
 * append (group commit): 32 emails sent at once cost one lock and one commit, not 32 in a row.
 * Each caller's promise settles once its entries are committed; a batch refused for one caller's
 * values is retried caller by caller, so only that caller fails.
 */
export function createDrizzleAuditLog(
  db: Database,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): AuditLog {
  const query = drizzleQuery(db);
  const queue: WaitingAppend[] = [];
  let appending = false;
  let scheduled = false;

  async function settle(group: WaitingAppend[]): Promise<void> {
    try {
      // One statement, its own transaction.
      await appendToChain(
        query,
        group.flatMap((waiting) => waiting.entries),
        shouldPost,
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
