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
