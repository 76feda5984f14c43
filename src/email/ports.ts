import type { DeliveryEvent } from "./delivery-events.ts";
import type { EmailTemplate, TemplateName } from "./template.ts";

export { CHANGE_PASSWORD_TEMPLATE, PASSWORD_CHANGED_TEMPLATE } from "./template.ts";

export interface StoredTemplate extends EmailTemplate {
  /** 0 while the built-in default is in force. */
  version: number;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface TemplateVersion extends EmailTemplate {
  version: number;
  changedFields: string[];
  editedBy: string | null;
  createdAt: Date;
}

export type SaveTemplateResult =
  | { ok: true; template: StoredTemplate; changedFields: string[] }
  | { ok: false; reason: "version_conflict"; current: StoredTemplate };

export interface TemplateStore {
  /** The current version; the built-in default (version 0) until one is saved. */
  get(name: TemplateName): Promise<StoredTemplate>;
  /** Saves a new version if `baseVersion` is still the current one: never a silent overwrite. */
  save(
    name: TemplateName,
    template: EmailTemplate,
    editedBy: string,
    baseVersion: number,
  ): Promise<SaveTemplateResult>;
  history(name: TemplateName, limit: number): Promise<TemplateVersion[]>;
}

export interface EmailEventStore {
  /** Stores the event unless its provider id was seen before; true when it is new. */
  recordIfNew(outboxId: number, event: DeliveryEvent): Promise<boolean>;
}

/* The durable outbox every email goes through (reset links and notices alike). */

export type OutboxEmailKind =
  | "change_password"
  | "password_changed"
  /** The one-time link to a password an admin set for the user alone (password-reveal.ts). */
  | "password_reveal"
  /** That link ran out unused: the password no longer works, ask again. */
  | "password_reveal_expired";

/** Who made the change a password_changed notice tells of: the user, or an administrator. */
export type PasswordChangedBy = "user" | "admin";

/** An email in the durable outbox, with its delivery state. */
export interface OutboxEmail {
  id: number;
  messageRef: string;
  kind: OutboxEmailKind;
  requestId: number | null;
  userId: number | null;
  toAddress: string;
  /** A password_changed notice's: who changed the password (null: change_password emails). */
  changedBy: PasswordChangedBy | null;
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

/** A claimed email as claimDue returned it: its id and the lease that claim holds. */
export type OutboxClaim = Pick<OutboxEmail, "id" | "lockedUntil">;

export interface NewOutboxEmail {
  messageRef: string;
  kind: OutboxEmailKind;
  requestId: number | null;
  userId: number;
  toAddress: string;
  changedBy?: PasswordChangedBy;
}

export interface OutboxStore {
  enqueue(email: NewOutboxEmail, at: Date): Promise<void>;
  /** enqueue for several emails in one statement. */
  enqueueAll(emails: NewOutboxEmail[], at: Date): Promise<void>;
  /**
   * Leases up to `limit` emails that are due (or whose previous lease ran out: the process died
   * mid-send) until `leaseUntil`. Concurrent workers never lease the same email.
   */
  claimDue(at: Date, leaseUntil: Date, limit: number): Promise<OutboxEmail[]>;
  markSent(id: number, providerMessageId: string | null, at: Date): Promise<void>;
  /** markSent for several emails in one statement. */
  markAllSent(
    sent: Array<{ id: number; providerMessageId: string | null }>,
    at: Date,
  ): Promise<void>;
  /*
   * scheduleRetry, release and markFailed change the email only while `claim`'s lease is still
   * its lease: a sender that was held up past its lease (another claimed the email, and may have
   * sent it) must not make it due again, or it is sent twice.
   */
  scheduleRetry(claim: OutboxClaim, nextAttemptAt: Date, error: string): Promise<void>;
  /**
   * Gives a leased email back untried: due again at `at`, its claim's attempt not counted (the
   * provider was never called).
   */
  release(claim: OutboxClaim, at: Date, reason: string): Promise<void>;
  markFailed(claim: OutboxClaim, error: string): Promise<void>;
  findByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  /** Reads and locks the row for this transaction (delivery events for one email apply in turn). */
  lockByRef(messageRef: string): Promise<OutboxEmail | undefined>;
  setDeliveryStatus(
    id: number,
    status: string,
    detail: string | null,
  ): Promise<OutboxEmail | undefined>;
}
