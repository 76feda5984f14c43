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

/** A request the worker claimed (its status is `pending`): what deciding it reads. */
export type PendingRequest = NewResetRequest & { id: number };

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
  /** findById for several ids in one statement; each result in its id's place. */
  findByIds(ids: number[]): Promise<Array<ResetRequest | undefined>>;
  findByPublicId(publicId: string): Promise<ResetRequest | undefined>;
  /**
   * Locks up to `limit` pending requests, oldest first, for this transaction; other workers skip
   * them. `fromId` starts the scan at that id instead of the first pending one.
   */
  claimPending(limit: number, fromId?: number): Promise<PendingRequest[]>;
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
  /**
   * issue for several tickets, of different users, in one statement; each ticket in its place.
   * A user may appear once: the caller issues a second ticket of the same user afterwards.
   */
  issueAll(tickets: NewTicket[], at: Date): Promise<Ticket[]>;
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
  /**
   * Marks a ticket used whatever its expiry: its password change was claimed while it was
   * usable, and the user's external store has confirmed it since (password-reset/external-change.ts).
   */
  markUsed(id: number, at: Date): Promise<void>;
}

/* Passwords an admin set for the user alone to see (password-reveal.ts). */

export type RevealChannel = "slack" | "email";

/** Where a Slack reveal goes: the target's own Slack account, found by its confirmed email. */
export interface SlackRecipient {
  teamId: string;
  userId: string;
}

export interface NewPasswordReveal {
  publicId: string;
  userId: number;
  channel: RevealChannel;
  slackTeamId: string | null;
  slackUserId: string | null;
  /** The outbox email that carries the link (email channel). */
  messageRef: string | null;
  sealedPassword: string;
  /** When the password was set: a later change of the user's password supersedes the reveal. */
  passwordChangedAt: Date;
  requestedBy: string;
  connection: string;
  expiresAt: Date;
}

/** A reveal as the domain sees it: never the sealed password nor the token's hash. */
export interface PasswordReveal
  extends Omit<NewPasswordReveal, "sealedPassword" | "channel" | "messageRef"> {
  id: number;
  channel: RevealChannel;
  messageRef: string | null;
  slackChannel: string | null;
  slackTs: string | null;
  createdAt: Date;
  revealedAt: Date | null;
  expiredAt: Date | null;
}

export interface PasswordRevealStore {
  create(reveal: NewPasswordReveal, at: Date): Promise<PasswordReveal>;
  findByPublicId(publicId: string): Promise<PasswordReveal | undefined>;
  findByMessageRef(messageRef: string): Promise<PasswordReveal | undefined>;
  findByTokenHash(tokenHash: string): Promise<PasswordReveal | undefined>;
  /** The email link's token (issued at send time), or null to withdraw it after a failed send. */
  setTokenHash(id: number, tokenHash: string | null): Promise<void>;
  /** Where the Slack DM was posted, to update it later. */
  setSlackMessage(id: number, channel: string, ts: string): Promise<void>;
  /** The DM could not be posted: the reveal goes by email instead. */
  switchToEmail(id: number, messageRef: string): Promise<void>;
  /**
   * Marks a pending reveal revealed and hands back its sealed password, erasing it: at most once,
   * and only before `at` reaches its expiry. Undefined when it is not pending.
   */
  take(
    id: number,
    at: Date,
  ): Promise<{ reveal: PasswordReveal; sealedPassword: string } | undefined>;
  /** Pending reveals whose time ran out before `at`. */
  listDue(at: Date, limit: number): Promise<PasswordReveal[]>;
  /** Ends a pending reveal (expired, or superseded), erasing its password; undefined if not pending. */
  close(id: number, at: Date): Promise<PasswordReveal | undefined>;
  /** Reveals still waiting for their user, newest first. */
  listPending(limit: number): Promise<PasswordReveal[]>;
}

/**
 * The password-changed notice's "Secure my account" link: used once, it blocks the account.
 * Only the SHA-256 of its token is stored.
 */
export interface SecureAccountTicket {
  id: number;
  userId: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewSecureAccountTicket {
  tokenHash: string;
  userId: number;
  expiresAt: Date;
}

export interface SecureAccountTicketStore {
  issue(ticket: NewSecureAccountTicket, at: Date): Promise<SecureAccountTicket>;
  findByTokenHash(tokenHash: string): Promise<SecureAccountTicket | undefined>;
  /**
   * Marks the ticket used if it is unused, unrevoked and unexpired at `at`, in one guarded
   * UPDATE: of simultaneous calls exactly one gets the ticket back.
   */
  consume(tokenHash: string, at: Date): Promise<SecureAccountTicket | undefined>;
  /** Withdraws a link whose email was never sent. */
  revoke(id: number, at: Date): Promise<void>;
  /** Withdraws every unused link of the user; returns how many. */
  revokeUnusedForUser(userId: number, at: Date): Promise<number>;
}
