/**
 * Who did something: the public API (by client IP), an end user on the reset page, a Slack user,
 * the CLI, or Passdesk itself.
 */
export type ActorType = "public" | "user" | "slack" | "cli" | "system";

/**
 * One audited event. Never holds a password, ticket token, link or API key: callers pass only
 * identifiers and outcomes, and `details` is for small, non-secret facts.
 */
export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  outcome: string;
  targetEmail?: string | null;
  connection?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, "details">> {
  id: number;
  at: Date;
  details: Record<string, unknown>;
  /** Attempts so far to post it to the Slack audit channel. */
  slackAttempts: number;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Several entries in one statement, in order. */
  recordAll(entries: AuditEntry[]): Promise<void>;
  /** The newest `count` entries, oldest first. */
  tail(count: number): Promise<AuditRecord[]>;
}

/** Audit rows waiting to be posted to the Slack audit channel. */
export interface AuditPostQueue {
  /** Leases due rows until `leaseUntil`; other instances skip them. */
  claimDue(at: Date, leaseUntil: Date, limit: number): Promise<AuditRecord[]>;
  markPosted(id: number, channel: string, ts: string): Promise<void>;
  scheduleRetry(id: number, nextAttemptAt: Date): Promise<void>;
  /** Gives up on a row after too many attempts; it stays in the database. */
  markAbandoned(id: number): Promise<void>;
  /** The posted audit message of a request's `action`, to update it in place. */
  findPosted(action: string, requestId: string): Promise<PostedAudit | undefined>;
}

export interface PostedAudit {
  record: AuditRecord;
  channel: string;
  ts: string;
}

/** Where one audit row was posted: the channel and the message's id there (Slack's `ts`). */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/**
 * A channel where people watch the audit trail (today a Slack channel). A post that fails
 * throws; an error with `retryAfter` (seconds) says when the channel will take posts again.
 */
export interface AuditChannel {
  post(record: AuditRecord): Promise<PostedMessage>;
}
