import {
  ANCHOR_ACTION,
  type AuditChainStore,
  anchorEntry,
  canonicalJson,
  chainHash,
  GENESIS_HASH,
} from "../../../src/audit/chain.ts";
import type {
  AuditEntry,
  AuditLog,
  AuditPostQueue,
  AuditRecord,
} from "../../../src/audit/ports.ts";
import type { AuditStreamCheckpoints } from "../../../src/audit/stream.ts";
import { type AuditRow, copy, type MemoryDatabase } from "./database.ts";

function toRecord({
  slackState: _state,
  slackNextAttemptAt: _next,
  slackChannel: _channel,
  slackTs: _ts,
  chainSeq: _seq,
  chainHash: _hash,
  ...record
}: AuditRow): AuditRecord {
  return copy(record);
}

/** AuditLog over an array, with the semantics of src/db/audit-store.ts and audit-append.ts. */
export function createMemoryAuditLog(
  database: MemoryDatabase,
  shouldPost: (entry: AuditEntry) => boolean = () => false,
): AuditLog {
  const { tables, clock } = database;
  async function recordAll(entries: AuditEntry[]): Promise<void> {
    const now = clock.now();
    for (const entry of entries) {
      const post = shouldPost(entry);
      const previous = tables.audit.at(-1);
      const content = {
        seq: (previous?.chainSeq ?? 0) + 1,
        id: database.nextId("audit"),
        at: now,
        actorType: entry.actorType,
        actorId: entry.actorId ?? null,
        action: entry.action,
        outcome: entry.outcome,
        targetEmail: entry.targetEmail ?? null,
        connection: entry.connection ?? null,
        requestId: entry.requestId ?? null,
        details: JSON.parse(canonicalJson(entry.details ?? {})),
      };
      const { seq: chainSeq, ...record } = content;
      tables.audit.push({
        ...record,
        chainSeq,
        chainHash: chainHash(previous?.chainHash ?? GENESIS_HASH, content),
        slackAttempts: 0,
        slackState: post ? "pending" : null,
        slackNextAttemptAt: post ? now : null,
        slackChannel: null,
        slackTs: null,
      });
    }
  }
  return {
    record: (entry) => recordAll([entry]),
    recordAll,
    async tail(count) {
      return tables.audit.slice(-count).map(toRecord);
    },
  };
}

/** AuditChainStore over the same array. */
export function createMemoryAuditChainStore(database: MemoryDatabase): AuditChainStore {
  const { tables, clock } = database;
  const chained = (row: AuditRow) => ({ ...toRecord(row), seq: row.chainSeq, hash: row.chainHash });
  return {
    async head() {
      const row = tables.audit.at(-1);
      return row && { seq: row.chainSeq, id: row.id, at: row.at, hash: row.chainHash };
    },
    async page(afterSeq, limit) {
      return tables.audit
        .filter((row) => row.chainSeq > afterSeq)
        .sort((a, b) => a.chainSeq - b.chainSeq)
        .slice(0, limit)
        .map(chained);
    },
    async outside() {
      return { before: 0, firstAfter: null };
    },
    async anchorIfDue(everyMillis) {
      const last = tables.audit.findLast((row) => row.action === ANCHOR_ACTION);
      if (last && clock.now().getTime() - last.at.getTime() < everyMillis) return undefined;
      const row = tables.audit.at(-1);
      if (!row) return undefined;
      const head = { seq: row.chainSeq, id: row.id, at: row.at, hash: row.chainHash };
      await createMemoryAuditLog(database).record(anchorEntry(head));
      return head;
    },
    async after(afterId, limit) {
      return tables.audit
        .filter((row) => row.id > afterId)
        .slice(0, limit)
        .map(chained);
    },
  };
}

/** AuditPostQueue over the same array: head of line, as src/db/audit-post-queue.ts. */
export function createMemoryAuditPostQueue(database: MemoryDatabase): AuditPostQueue {
  const { tables } = database;
  const byId = (id: number) => tables.audit.find((row) => row.id === id);
  return {
    async claimDue(at, leaseUntil, limit) {
      // The oldest pending rows up to the first one not yet due: the channel keeps event order.
      const head = tables.audit.filter((row) => row.slackState === "pending").slice(0, limit);
      const blocked = head.findIndex(
        (row) => row.slackNextAttemptAt !== null && row.slackNextAttemptAt > at,
      );
      const claimed = blocked === -1 ? head : head.slice(0, blocked);
      for (const row of claimed) row.slackNextAttemptAt = leaseUntil;
      return claimed.map(toRecord);
    },
    async markPosted(id, channel, ts) {
      const row = byId(id);
      if (row)
        Object.assign(row, {
          slackState: "posted",
          slackChannel: channel,
          slackTs: ts,
          slackNextAttemptAt: null,
        });
    },
    async scheduleRetry(id, nextAttemptAt) {
      const row = byId(id);
      if (row)
        Object.assign(row, {
          slackNextAttemptAt: nextAttemptAt,
          slackAttempts: row.slackAttempts + 1,
        });
    },
    async markAbandoned(id) {
      const row = byId(id);
      if (row) Object.assign(row, { slackState: "abandoned", slackNextAttemptAt: null });
    },
    async findPosted(action, requestId) {
      const row = tables.audit.findLast(
        (entry) =>
          entry.action === action && entry.requestId === requestId && entry.slackState === "posted",
      );
      return row?.slackChannel && row.slackTs
        ? { record: toRecord(row), channel: row.slackChannel, ts: row.slackTs }
        : undefined;
    },
  };
}

/** AuditStreamCheckpoints in memory, as src/db/audit-stream-store.ts. */
export function createMemoryAuditStreamCheckpoints(): AuditStreamCheckpoints {
  const rows = new Map<
    string,
    {
      lastId: number;
      owner: string | null;
      leaseUntil: Date | null;
      attempts: number;
      next: Date | null;
    }
  >();
  const owned = (name: string, owner: string) => {
    const row = rows.get(name);
    return row?.owner === owner ? row : undefined;
  };
  return {
    async claim(name, owner, now, leaseUntil) {
      const row = rows.get(name) ?? {
        lastId: 0,
        owner: null,
        leaseUntil: null,
        attempts: 0,
        next: null,
      };
      rows.set(name, row);
      if (row.leaseUntil && row.leaseUntil > now) return undefined;
      if (row.next && row.next > now) return undefined;
      Object.assign(row, { owner, leaseUntil });
      return { lastId: row.lastId, attempts: row.attempts };
    },
    async advance(name, owner, lastId, leaseUntil) {
      const row = owned(name, owner);
      if (!row) return false;
      Object.assign(row, { lastId, attempts: 0, next: null, leaseUntil });
      return true;
    },
    async retryAt(name, owner, at) {
      const row = owned(name, owner);
      if (row)
        Object.assign(row, { attempts: row.attempts + 1, next: at, owner: null, leaseUntil: null });
    },
    async release(name, owner) {
      const row = owned(name, owner);
      if (row) Object.assign(row, { owner: null, leaseUntil: null });
    },
  };
}
