import type { Bucket, BucketState } from "../rate-limits/ports.ts";

/*
 * The stores the reset flow works with: requests, tickets and the outbox. Implemented by
 * src/db/; the domain sees only these types.
 */

export type ResetRequestSource = "api" | "slack" | "cli";

export interface NewResetRequest {
  publicId: string;
  email: string;
  connection: string;
  clientId: string | null;
  organization: string | null;
  source: ResetRequestSource;
  requestedBy: Record<string, string> | null;
  clientIp: string | null;
}

/** A reset asked for (public API, Slack or CLI), as stored before it was answered. */
export interface ResetRequest extends NewResetRequest {
  id: number;
  /** `pending` until the worker decides it; then a RequestOutcome. */
  status: string;
  userId: number | null;
  createdAt: Date;
  processedAt: Date | null;
}

export interface ResetRequestStore {
  record(request: NewResetRequest): Promise<ResetRequest>;
  /**
   * Takes a token from each bucket and, only if every one allowed it, records the request — in
   * one statement, so the public endpoint makes a single round trip to the database.
   */
  recordIfAllowed(request: NewResetRequest, buckets: Bucket[], at: Date): Promise<RecordOutcome>;
  /**
   * recordIfAllowed for several requests in one statement (and one commit), each answered as if
   * alone, in order. No bucket may appear twice among them: the caller sends those separately.
   * An entry whose outcome the statement did not return is undefined: it fails alone.
   */
  recordAllIfAllowed(entries: RecordEntry[], at: Date): Promise<Array<RecordOutcome | undefined>>;
  findById(id: number): Promise<ResetRequest | undefined>;
  findByPublicId(publicId: string): Promise<ResetRequest | undefined>;
  /**
   * Locks up to `limit` pending requests, oldest first, for this transaction; other workers skip
   * them. `fromId` starts the scan at that id instead of the first pending one.
   */
  claimPending(limit: number, fromId?: number): Promise<ResetRequest[]>;
  /** Records each request's outcome, in one statement. */
  markAllProcessed(
    outcomes: Array<{ id: number; status: string; userId: number | null }>,
    at: Date,
  ): Promise<void>;
  /** A Slack user's latest requests, newest first, with their email's delivery state. */
  listRecentBySlackUser(slackUserId: string, limit: number): Promise<RecentRequest[]>;
}

export interface RecordEntry {
  request: NewResetRequest;
  buckets: Bucket[];
}

export interface RecordOutcome {
  buckets: BucketState[];
  recorded: boolean;
}

export interface RecentRequest {
  publicId: string;
  email: string;
  connection: string;
  status: string;
  createdAt: Date;
  /** The outbox state (pending, sending, sent, failed) and SendGrid's delivery status, if any. */
  emailStatus: string | null;
  deliveryStatus: string | null;
}

/** A reset link: only the SHA-256 of its token is stored, never the token. */
export interface Ticket {
  id: number;
  tokenHash: string;
  userId: number;
  requestId: number | null;
  resultUrl: string | null;
  includeEmailInRedirect: boolean;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** Submissions the policy refused; past the page's budget the ticket is revoked. */
  rejectedSubmissions: number;
}

export interface NewTicket {
  tokenHash: string;
  userId: number;
  requestId: number | null;
  expiresAt: Date;
  resultUrl: string | null;
  includeEmailInRedirect: boolean;
}

export interface TicketStore {
  /** Stores a ticket and revokes the user's other unused tickets: only the newest link works. */
  issue(ticket: NewTicket, at: Date): Promise<Ticket>;
  findByTokenHash(tokenHash: string): Promise<Ticket | undefined>;
  /**
   * Marks the ticket used if it is still unused, unrevoked and unexpired at `at`, in one guarded
   * UPDATE: of any number of simultaneous calls, exactly one gets the ticket back.
   */
  consume(tokenHash: string, at: Date): Promise<Ticket | undefined>;
  /**
   * Counts one refused submission of a ticket still usable at `at`, in one guarded UPDATE; the
   * one that brings the count to `budget` also revokes it. Simultaneous calls queue on the row and
   * re-check the guard, so none counts past the budget. Undefined when the ticket was not usable.
   */
  recordRejectedSubmission(
    tokenHash: string,
    at: Date,
    budget: number,
  ): Promise<{ rejectedSubmissions: number; revoked: boolean } | undefined>;
  revoke(id: number, at: Date): Promise<void>;
  revokeUnusedForUser(userId: number, at: Date): Promise<void>;
}

export type OutboxEmailKind = "change_password" | "password_changed";

/** An email in the durable outbox, with its delivery state. */
export interface OutboxEmail {
  id: number;
  messageRef: string;
  kind: OutboxEmailKind;
  requestId: number | null;
  userId: number | null;
  toAddress: string;
  /** pending, sending (leased), sent or failed. */
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lastError: string | null;
  providerMessageId: string | null;
  /** SendGrid's latest delivery event (processed, delivered, bounce…), if any. */
  deliveryStatus: string | null;
  deliveryDetail: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface NewOutboxEmail {
  messageRef: string;
  kind: OutboxEmailKind;
  requestId: number | null;
  userId: number;
  toAddress: string;
}

export interface OutboxStore {
  enqueue(email: NewOutboxEmail, at: Date): Promise<void>;
  /**
   * Leases up to `limit` emails that are due (or whose previous lease ran out: the process died
   * mid-send) until `leaseUntil`. Concurrent workers never lease the same email.
   */
  claimDue(at: Date, leaseUntil: Date, limit: number): Promise<OutboxEmail[]>;
  markSent(id: number, providerMessageId: string | null, at: Date): Promise<void>;
  scheduleRetry(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  findByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  /** Reads and locks the row for this transaction (delivery events for one email apply in turn). */
  lockByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  setDeliveryStatus(
    id: number,
    status: string,
    detail: string | null,
  ): Promise<OutboxEmail | undefined>;
}
