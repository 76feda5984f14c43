import { hash } from "node:crypto";
import type { ExportedEntry } from "./export.ts";
import type { ActorType } from "./ports.ts";

/** The previous hash of the chain's first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** What an entry's hash covers: everything it says, its id, and its place in the chain. */
export interface ChainedContent {
  seq: number;
  id: number;
  at: Date;
  actorType: ActorType;
  actorId: string | null;
  action: string;
  outcome: string;
  targetEmail: string | null;
  connection: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface ChainedEntry extends ChainedContent {
  hash: string;
}

/** The newest entry of the chain: what `passdesk audit anchor` prints and the channel gets. */
export interface ChainHead {
  seq: number;
  id: number;
  at: Date;
  hash: string;
}

/**
 * JSON with object keys sorted at every depth and strings as the database stores them, so that
 * an entry hashes alike before it is written and after it is read back (jsonb keeps its own key
 * order, and a lone surrogate becomes U+FFFD on its way in).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(JSON.parse(JSON.stringify(value) ?? "null")));
}

function sorted(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key.toWellFormed(), sorted(item)]));
}

/** A top-level field as canonical JSON: a string as the database stores it, or null. */
export function canonicalText(value: string | null): string {
  return value === null ? "null" : JSON.stringify(value.toWellFormed());
}

/**
 * The fields of an entry that do not depend on its place in the chain, as canonical JSON (the
 * same text canonicalJson gives for the array of them, built without parsing it back).
 * `details` may be given as its canonicalJson already.
 */
export function canonicalFields(
  entry: Omit<ChainedContent, "seq" | "id" | "at">,
  details = canonicalJson(entry.details),
): string {
  const texts = [
    entry.actorType,
    entry.actorId,
    entry.action,
    entry.outcome,
    entry.targetEmail,
    entry.connection,
    entry.requestId,
  ].map(canonicalText);
  return `[${texts.join(",")},${details}]`;
}

/**
 * The canonical text of an entry: a JSON array, fields in a fixed order —
 * `[seq, id, at, actorType, actorId, action, outcome, targetEmail, connection, requestId,
 * details]`. `fields` (canonicalFields) may be computed ahead, outside the chain's lock.
 */
export function canonicalEntry(entry: ChainedContent, fields = canonicalFields(entry)): string {
  return placedText(entry.seq, entry.id, JSON.stringify(entry.at.toISOString()), fields);
}

/** canonicalEntry from its parts: `atJson` is the time as a JSON string. */
export function placedText(seq: number, id: number, atJson: string, fields: string): string {
  return `[${seq},${id},${atJson},${fields.slice(1)}`;
}

/**
 * SHA-256 (hex) over the previous entry's hash, a newline, and this entry's canonical text (as
 * UTF-8). Appends compute the same link in the database, in passdesk_audit_append
 * (drizzle/0010_audit_append_function.sql), from canonicalFields; verification computes it here.
 */
export function linkHash(previousHash: string, canonicalText: string): string {
  return hash("sha256", `${previousHash}\n${canonicalText}`);
}

export function chainHash(
  previousHash: string,
  entry: ChainedContent,
  fields = canonicalFields(entry),
): string {
  return linkHash(previousHash, canonicalEntry(entry, fields));
}

/** The first thing wrong with a chain, as `passdesk audit verify` reports it. */
export type ChainBreak =
  | { kind: "edited"; seq: number; id: number }
  | { kind: "deleted"; seq: number; afterId: number | null; beforeId: number }
  | { kind: "reordered"; seq: number; id: number; previousId: number }
  | { kind: "outside"; id: number }
  | { kind: "truncated"; anchorSeq: number; headSeq: number | null }
  | { kind: "anchor_mismatch"; seq: number; id: number };

export interface ChainReport {
  /** Entries checked. */
  checked: number;
  head?: ChainHead;
  /** The first break found, in chain order; none when the chain is intact. */
  broken?: ChainBreak;
}

/**
 * Walks the chain in order (the caller hands it pages, oldest first) and stops at the first
 * break: a missing position (a row deleted), ids out of order (rows moved), or a hash that does
 * not match the row's content and the hash before it (a row edited, or moved with its id).
 */
export function createChainWalker() {
  let previous: ChainedEntry | undefined;
  let checked = 0;
  let broken: ChainBreak | undefined;
  return {
    /** Checks the next entries; false once the chain is broken (stop reading). */
    take(entries: readonly ChainedEntry[]): boolean {
      for (const [i, entry] of entries.entries()) {
        if (broken) return false;
        const next = entries[i + 1];
        const expectedSeq = (previous?.seq ?? 0) + 1;
        if (entry.seq !== expectedSeq) {
          broken = {
            kind: "deleted",
            seq: expectedSeq,
            afterId: previous?.id ?? null,
            beforeId: entry.id,
          };
        } else if (previous && entry.id <= previous.id) {
          broken = { kind: "reordered", seq: entry.seq, id: entry.id, previousId: previous.id };
        } else if (chainHash(previous?.hash ?? GENESIS_HASH, entry) !== entry.hash) {
          // The next entry holding a lower id says this one was moved, not changed.
          broken =
            next && next.id < entry.id
              ? { kind: "reordered", seq: next.seq, id: next.id, previousId: entry.id }
              : { kind: "edited", seq: entry.seq, id: entry.id };
        } else {
          previous = entry;
          checked += 1;
        }
      }
      return !broken;
    },
    report(): ChainReport {
      return {
        checked,
        ...(previous && {
          head: { seq: previous.seq, id: previous.id, at: previous.at, hash: previous.hash },
        }),
        ...(broken && { broken }),
      };
    },
  };
}

/** One line for a break, naming the row to look at. */
export function describeChainBreak(broken: ChainBreak): string {
  switch (broken.kind) {
    case "edited":
      return `entry ${broken.id} (position ${broken.seq}) does not match its hash: it was edited, or moved with its id`;
    case "deleted":
      return broken.afterId === null
        ? `position ${broken.seq} is missing before entry ${broken.beforeId}: the chain's first entries were deleted`
        : `position ${broken.seq} is missing between entries ${broken.afterId} and ${broken.beforeId}: an entry was deleted`;
    case "reordered":
      return `entry ${broken.id} (position ${broken.seq}) comes after entry ${broken.previousId} in the chain: entries were reordered`;
    case "outside":
      return `entry ${broken.id} is not in the chain: it was inserted directly, or its chain fields were removed`;
    case "truncated":
      return broken.headSeq === null
        ? `the anchor names position ${broken.anchorSeq}, but the chain is empty: entries were deleted`
        : `the anchor names position ${broken.anchorSeq}, but the chain ends at ${broken.headSeq}: the newest entries were deleted`;
    case "anchor_mismatch":
      return `entry ${broken.id} (position ${broken.seq}) does not match the anchor's hash: the chain was rewritten`;
  }
}

/** An anchor as printed by `passdesk audit anchor` and given back to `audit verify --anchor`. */
export function formatAnchor(head: ChainHead): string {
  return `${head.seq}:${head.hash}`;
}

export function parseAnchor(text: string): { seq: number; hash: string } | undefined {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2] as string } : undefined;
}

/** The chain as stored: read in order, page by page. */
export interface AuditChainStore {
  head(): Promise<ChainHead | undefined>;
  /** Chained entries after position `afterSeq`, in chain order, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<ChainedEntry[]>;
  /**
   * Entries without a place in the chain: how many predate it (written before it existed), and
   * the first one after its first entry, which no writer makes.
   */
  outside(): Promise<{ before: number; firstAfter: number | null }>;
  /** Every entry with an id above `afterId`, chained or older, in id order, at most `limit`. */
  after(afterId: number, limit: number): Promise<ExportedEntry[]>;
  /**
   * Appends `anchorEntry(head)` unless an anchor was appended in the last `everyMillis` (or the
   * chain is empty), atomically across instances; returns the head it anchored.
   */
  anchorIfDue(everyMillis: number): Promise<ChainHead | undefined>;
}

/** The action of an anchor entry: the head as it was, written into the chain and the channel. */
export const ANCHOR_ACTION = "audit.anchored";

/** The entry that records `head` in the chain itself, for the audit channel to post. */
export function anchorEntry(head: ChainHead) {
  return {
    actorType: "system" as const,
    action: ANCHOR_ACTION,
    outcome: "success",
    details: { anchor: formatAnchor(head), entryId: head.id },
  };
}

export interface VerifyOptions {
  /** A head printed earlier by `audit anchor`: that entry must still be there, unchanged. */
  anchor?: { seq: number; hash: string };
  pageSize?: number;
}

export interface ChainVerification extends ChainReport {
  /** Entries written before the chain existed (not covered by it). */
  beforeChain: number;
}

/** Walks the whole chain; the first break found wins, in chain order. */
export async function verifyAuditChain(
  store: AuditChainStore,
  { anchor, pageSize = 2_000 }: VerifyOptions = {},
): Promise<ChainVerification> {
  const walker = createChainWalker();
  let after = 0;
  let anchorBreak: ChainBreak | undefined;
  for (;;) {
    const page = await store.page(after, pageSize);
    const intact = walker.take(page);
    const seen = anchor && page.find((entry) => entry.seq === anchor.seq);
    if (seen && seen.hash !== anchor.hash && !anchorBreak) {
      anchorBreak = { kind: "anchor_mismatch", seq: seen.seq, id: seen.id };
    }
    if (!intact || page.length < pageSize) break;
    after = (page.at(-1) as ChainedEntry).seq;
  }
  const report = walker.report();
  const { before, firstAfter } = await store.outside();
  let broken = report.broken;
  if (!broken && firstAfter !== null) broken = { kind: "outside", id: firstAfter };
  if (!broken && anchorBreak) broken = anchorBreak;
  if (!broken && anchor && (report.head?.seq ?? 0) < anchor.seq) {
    broken = { kind: "truncated", anchorSeq: anchor.seq, headSeq: report.head?.seq ?? null };
  }
  return { ...report, beforeChain: before, ...(broken && { broken }) };
}
