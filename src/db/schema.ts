import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { SetPasswordApprovalStatus } from "../approvals/ports.ts";
import type { OutboxEmailKind, PasswordChangedBy } from "../email/ports.ts";
import type { ResetRequestSource } from "../password-reset/ports.ts";
import type { ChangeEventData, ChangeEventType } from "../webhooks/events.ts";
import type { WebhookDeliveryStatus } from "../webhooks/ports.ts";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });

export const connections = pgTable("connections", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  strategy: text("strategy").notNull().default("database"),
  passwordLevel: text("password_level").notNull().default("none"),
  passwordMinLength: smallint("password_min_length").notNull().default(15),
  passwordHistorySize: smallint("password_history_size").notNull().default(5),
  passwordDictionary: boolean("password_dictionary").notNull().default(true),
  passwordNoPersonalInfo: boolean("password_no_personal_info").notNull().default(true),
  /** `open`: anyone may create an account with POST /dbconnections/signup; `closed` by default. */
  signup: text("signup").notNull().default("closed"),
  bruteForceProtection: boolean("brute_force_protection").notNull().default(true),
  bruteForceMaxAttempts: smallint("brute_force_max_attempts").notNull().default(10),
  /** Auth0's `count_per_identifier_and_ip` or `count_per_identifier`. */
  bruteForceMode: text("brute_force_mode").notNull().default("count_per_identifier_and_ip"),
  /** Auth0's shields: `block` and/or `user_notification`. */
  bruteForceShields: jsonb("brute_force_shields")
    .$type<string[]>()
    .notNull()
    .default(["block", "user_notification"]),
  /** IPs and CIDRs whose failures are never counted. */
  bruteForceAllowlist: jsonb("brute_force_allowlist").$type<string[]>().notNull().default([]),
  /**
   * Where the users live when not in Passdesk's tables: an organisation's users table or API
   * (users/external-store.ts). Names of environment variables only, never a URL or secret.
   */
  store: jsonb("store").$type<Record<string, unknown>>(),
  /** Four-eyes /set-password: `off` or `required`; null follows SET_PASSWORD_APPROVAL. */
  setPasswordApproval: text("set_password_approval"),
  createdAt: createdAt(),
});

export const clients = pgTable("clients", {
  id: serial("id").primaryKey(),
  clientId: text("client_id").notNull().unique(),
  name: text("name").notNull(),
  webOrigins: jsonb("web_origins").$type<string[]>().notNull().default([]),
  /** A confidential client's secret, as SHA-256 (the secret is 256 random bits); null when public. */
  secretHash: text("secret_hash"),
  /** Whether the client may ask for refresh tokens (scope offline_access). */
  refreshTokens: boolean("refresh_tokens").notNull().default(true),
  createdAt: createdAt(),
});

/** An API that access tokens may name as their audience (`passdesk apis add IDENTIFIER`). */
export const apis = pgTable("apis", {
  id: serial("id").primaryKey(),
  identifier: text("identifier").notNull().unique(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

/**
 * Keys that sign tokens, shared by every instance. One is current (not rotated, not revoked); a
 * rotated one is still published until `published_until`, when every token it signed has
 * expired; a revoked one is gone at once. The private key is encrypted with the key-encryption key.
 */
export const signingKeys = pgTable(
  "signing_keys",
  {
    id: serial("id").primaryKey(),
    kid: text("kid").notNull().unique(),
    publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
    privateKeyEncrypted: text("private_key_encrypted").notNull(),
    createdAt: createdAt(),
    rotatedAt: at("rotated_at"),
    publishedUntil: at("published_until"),
    revokedAt: at("revoked_at"),
  },
  () => [
    uniqueIndex("signing_keys_one_current")
      .on(sql`(true)`)
      .where(sql`rotated_at is null and revoked_at is null`),
  ],
);

export const users = pgTable(
  "users",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id),
    email: text("email").notNull(),
    emailVerified: boolean("email_verified").notNull().default(false),
    name: text("name"),
    givenName: text("given_name"),
    familyName: text("family_name"),
    nickname: text("nickname"),
    blocked: boolean("blocked").notNull().default(false),
    passwordHash: text("password_hash"),
    passwordChangedAt: at("password_changed_at"),
    username: text("username"),
    picture: text("picture"),
    userMetadata: jsonb("user_metadata").$type<Record<string, string>>().notNull().default({}),
    /**
     * Set on a link row: a user of a connection backed by an external store, known by that store's
     * id. Such a row holds no profile and no hash, only the email the store last returned.
     */
    externalId: text("external_id"),
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("users_connection_email_key")
      .on(table.connectionId, table.email)
      .where(sql`external_id is null`),
    uniqueIndex("users_connection_external_key")
      .on(table.connectionId, table.externalId)
      .where(sql`external_id is not null`),
  ],
);

/**
 * A password change sent to an external store, claimed before it is sent and marked when Passdesk
 * has recorded it (users/external-password-change.ts). `claimed` with a lapsed lease: the process
 * that claimed it died; recovery sends it again with the same idempotency key and finishes it.
 */
export const externalPasswordChanges = pgTable(
  "external_password_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The reset link the change consumes; null for a change made by staff. */
    ticketId: bigint("ticket_id", { mode: "number" }).references(() => tickets.id, {
      onDelete: "cascade",
    }),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    /** `claimed`, `done` or `released` (the store refused or never answered: nothing changed). */
    state: text("state").notNull().default("claimed"),
    leaseUntil: at("lease_until").notNull(),
    /** The new password, AES-256-GCM under the key-encryption key, while claimed only. */
    sealedPassword: text("sealed_password"),
    /** Passdesk's Argon2 hash of it, for the history. */
    historyHash: text("history_hash").notNull(),
    /** The audit entry recorded when the change is finished. */
    audit: jsonb("audit").$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    finishedAt: at("finished_at"),
  },
  (table) => [
    // One change per link that is not released: claimed, or done. (Only "claimed" would let a
    // claim that waited on one being finished go in once that one left the index.)
    uniqueIndex("external_password_changes_one_per_ticket")
      .on(table.ticketId)
      .where(sql`state <> 'released'`),
    index("external_password_changes_claimed_idx")
      .on(table.leaseUntil)
      .where(sql`state = 'claimed'`),
  ],
);

export const passwordHistory = pgTable(
  "password_history",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("password_history_user_idx").on(table.userId, table.createdAt)],
);

/** A reset asked for (public API, Slack or CLI), recorded before it is answered. */
export const resetRequests = pgTable(
  "reset_requests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    publicId: text("public_id").notNull().unique(),
    email: text("email").notNull(),
    connection: text("connection").notNull(),
    clientId: text("client_id"),
    organization: text("organization"),
    source: text("source").$type<ResetRequestSource>().notNull(),
    requestedBy: jsonb("requested_by").$type<Record<string, string>>(),
    clientIp: text("client_ip"),
    status: text("status").notNull().default("pending"),
    userId: bigint("user_id", { mode: "number" }).references(() => users.id, {
      onDelete: "set null",
    }),
    createdAt: createdAt(),
    processedAt: at("processed_at"),
  },
  (table) => [index("reset_requests_pending_idx").on(table.id).where(sql`status = 'pending'`)],
);

/** Only the SHA-256 of a ticket's token is stored; the token itself lives in the email alone. */
export const tickets = pgTable(
  "tickets",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    requestId: bigint("request_id", { mode: "number" }).references(() => resetRequests.id, {
      onDelete: "set null",
    }),
    resultUrl: text("result_url"),
    includeEmailInRedirect: boolean("include_email_in_redirect").notNull().default(true),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    revokedAt: at("revoked_at"),
    /** Submissions the policy refused; past the page's budget the ticket is revoked. */
    rejectedSubmissions: integer("rejected_submissions").notNull().default(0),
  },
  (table) => [index("tickets_user_idx").on(table.userId)],
);

export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageRef: text("message_ref").notNull().unique(),
    kind: text("kind").$type<OutboxEmailKind>().notNull(),
    requestId: bigint("request_id", { mode: "number" }).references(() => resetRequests.id, {
      onDelete: "set null",
    }),
    userId: bigint("user_id", { mode: "number" }).references(() => users.id, {
      onDelete: "cascade",
    }),
    toAddress: text("to_address").notNull(),
    changedBy: text("changed_by").$type<PasswordChangedBy>(),
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    lockedUntil: at("locked_until"),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    deliveryStatus: text("delivery_status"),
    deliveryDetail: text("delivery_detail"),
    createdAt: createdAt(),
    sentAt: at("sent_at"),
  },
  (table) => [
    index("email_outbox_due_idx")
      .on(table.nextAttemptAt)
      .where(sql`status in ('pending', 'sending')`),
  ],
);

export const emailEvents = pgTable("email_events", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  providerEventId: text("provider_event_id").notNull().unique(),
  outboxId: bigint("outbox_id", { mode: "number" })
    .notNull()
    .references(() => emailOutbox.id, { onDelete: "cascade" }),
  event: text("event").notNull(),
  reason: text("reason"),
  occurredAt: at("occurred_at"),
  createdAt: createdAt(),
});

const templateFields = {
  from: text("from"),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  urlLifetimeSeconds: integer("url_lifetime_seconds").notNull().default(432000),
  resultUrl: text("result_url"),
  includeEmailInRedirect: boolean("include_email_in_redirect").notNull().default(true),
  enabled: boolean("enabled").notNull().default(true),
};

/** The live template; each save also appends to email_template_versions. */
export const emailTemplates = pgTable("email_templates", {
  name: text("name").primaryKey(),
  version: integer("version").notNull(),
  ...templateFields,
  updatedBy: text("updated_by"),
  updatedAt: at("updated_at").notNull().defaultNow(),
});

export const emailTemplateVersions = pgTable(
  "email_template_versions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    ...templateFields,
    changedFields: jsonb("changed_fields").$type<string[]>().notNull().default([]),
    editedBy: text("edited_by"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("email_template_versions_key").on(table.name, table.version)],
);

/** `team_id = '*'` grants the role in every workspace the app serves. */
export const roleGrants = pgTable(
  "role_grants",
  {
    id: serial("id").primaryKey(),
    teamId: text("team_id").notNull().default("*"),
    slackUserId: text("slack_user_id").notNull(),
    role: text("role").notNull(),
    grantedBy: text("granted_by"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("role_grants_key").on(table.teamId, table.slackUserId, table.role)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: createdAt(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    outcome: text("outcome").notNull(),
    targetEmail: text("target_email"),
    connection: text("connection"),
    requestId: text("request_id"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    slackState: text("slack_state"),
    slackAttempts: integer("slack_attempts").notNull().default(0),
    slackNextAttemptAt: at("slack_next_attempt_at"),
    slackChannel: text("slack_channel"),
    slackTs: text("slack_ts"),
    /** Place in the hash chain (1, 2, …, no gaps); null only for entries older than the chain. */
    chainSeq: bigint("chain_seq", { mode: "number" }),
    /** SHA-256 over the previous entry's hash and this entry's content (src/audit/chain.ts). */
    chainHash: text("chain_hash"),
  },
  (table) => [
    index("audit_log_at_idx").on(table.at),
    uniqueIndex("audit_log_chain_seq_key").on(table.chainSeq).where(sql`chain_seq is not null`),
    index("audit_log_anchored_idx").on(table.id).where(sql`action = 'audit.anchored'`),
    index("audit_log_slack_due_idx")
      .on(table.slackNextAttemptAt)
      .where(sql`slack_state = 'pending'`),
  ],
);

/** Where the audit stream (AUDIT_STREAM_URL) has got to: one row per stream. */
export const auditStreamCheckpoints = pgTable("audit_stream_checkpoints", {
  name: text("name").primaryKey(),
  /** The last audit entry id the receiver accepted. */
  lastId: bigint("last_id", { mode: "number" }).notNull().default(0),
  leaseOwner: text("lease_owner"),
  leaseUntil: at("lease_until"),
  /** Failed sends since the last accepted one. */
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: at("next_attempt_at"),
  updatedAt: at("updated_at"),
});

/**
 * Token buckets shared by every instance: `tokens` as of `updated_at`, refilled at
 * `per_minute` up to `capacity`. `allowed` is the outcome of the latest take.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    capacity: integer("capacity").notNull(),
    perMinute: doublePrecision("per_minute").notNull(),
    tokens: doublePrecision("tokens").notNull(),
    allowed: boolean("allowed").notNull(),
    updatedAt: at("updated_at").notNull(),
  },
  (table) => [index("rate_limits_updated_idx").on(table.updatedAt)],
);

/**
 * Refresh tokens: only the SHA-256 of the opaque token is stored. Each use replaces the token by
 * a new one of the same family; a used token presented again revokes the whole family.
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    familyId: text("family_id").notNull(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id").notNull(),
    scope: text("scope").notNull(),
    audience: text("audience").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    revokedAt: at("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (table) => [
    index("refresh_tokens_live_user_idx")
      .on(table.userId)
      .where(sql`used_at is null and revoked_at is null`),
    index("refresh_tokens_family_idx").on(table.familyId),
  ],
);

/**
 * Consecutive failed sign-ins per identifier (connection and normalised email, known or not, so
 * that an unknown address costs and answers what a known one does) and IP (`ip` = '*' when the
 * connection counts per identifier only). An attempt is counted before its password is checked,
 * so concurrent attempts cannot pass the limit; a right password starts the count over.
 * `blocked_at` is set when the count reaches the connection's maximum.
 */
export const signInFailures = pgTable(
  "sign_in_failures",
  {
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    failures: integer("failures").notNull().default(0),
    lastFailureAt: at("last_failure_at").notNull(),
    blockedAt: at("blocked_at"),
  },
  (table) => [
    primaryKey({ columns: [table.connectionId, table.email, table.ip] }),
    index("sign_in_failures_last_idx").on(table.lastFailureAt),
  ],
);

/** Single-use links that lift a brute-force block; only the SHA-256 of the token is stored. */
export const unblockTickets = pgTable(
  "unblock_tickets",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The block it lifts: '*' for every IP. */
    ip: text("ip").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    /** Set when the user secured their account: a link issued before then lifts nothing. */
    revokedAt: at("revoked_at"),
  },
  (table) => [index("unblock_tickets_user_idx").on(table.userId)],
);

/** The password-changed notice's "Secure my account" links; only each token's SHA-256. */
export const secureAccountTickets = pgTable(
  "secure_account_tickets",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    revokedAt: at("revoked_at"),
  },
  (table) => [index("secure_account_tickets_user_idx").on(table.userId)],
);

/** Receivers of change events; the signing secret is sealed under the key-encryption key. */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  events: text("events").array().$type<ChangeEventType[]>().notNull(),
  sealedSecret: text("sealed_secret").notNull(),
  createdAt: createdAt(),
});

/**
 * The webhook outbox: one row per event and subscribed endpoint, queued in the transaction of
 * the change, then leased, sent and marked like an email.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    type: text("type").$type<ChangeEventType>().notNull(),
    data: jsonb("data").$type<ChangeEventData>().notNull(),
    status: text("status").$type<WebhookDeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull(),
    lockedUntil: at("locked_until"),
    lastError: text("last_error"),
    createdAt: at("created_at").notNull(),
    deliveredAt: at("delivered_at"),
  },
  (table) => [
    uniqueIndex("webhook_deliveries_event_endpoint_idx").on(table.eventId, table.endpointId),
    index("webhook_deliveries_due_idx")
      .on(table.nextAttemptAt)
      .where(sql`status in ('pending', 'sending')`),
    index("webhook_deliveries_created_idx").on(table.createdAt),
  ],
);

/**
 * Passwords an admin set for the user to see alone ("Send it to the user"): sealed under the
 * key-encryption key until the user reveals it (then erased) or the reveal expires. The email
 * link's token is issued when the email is sent; only its SHA-256 is stored.
 */
export const passwordReveals = pgTable(
  "password_reveals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    publicId: text("public_id").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** slack (a DM with a Reveal button) or email (a one-time link). */
    channel: text("channel").$type<"slack" | "email">().notNull(),
    slackTeamId: text("slack_team_id"),
    slackUserId: text("slack_user_id"),
    slackChannel: text("slack_channel"),
    slackTs: text("slack_ts"),
    messageRef: text("message_ref").unique(),
    tokenHash: text("token_hash").unique(),
    sealedPassword: text("sealed_password"),
    /** The password change this reveal made: a later change supersedes it. */
    passwordChangedAt: at("password_changed_at").notNull(),
    requestedBy: text("requested_by").notNull(),
    connection: text("connection").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    revealedAt: at("revealed_at"),
    expiredAt: at("expired_at"),
  },
  (table) => [
    index("password_reveals_pending_idx")
      .on(table.expiresAt)
      .where(sql`revealed_at is null and expired_at is null`),
  ],
);

/**
 * /set-password requests waiting for a second admin (four-eyes approval). No password is stored:
 * it is generated when the request is approved. A decision is one guarded update of a pending row.
 */
export const setPasswordApprovals = pgTable(
  "set_password_approvals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    publicId: text("public_id").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    connection: text("connection").notNull(),
    requesterTeamId: text("requester_team_id").notNull(),
    requesterUserId: text("requester_user_id").notNull(),
    reason: text("reason").notNull(),
    status: text("status").$type<SetPasswordApprovalStatus>().notNull().default("pending"),
    decidedBy: text("decided_by"),
    decidedAt: at("decided_at"),
    expiresAt: at("expires_at").notNull(),
    cardChannel: text("card_channel"),
    cardTs: text("card_ts"),
    createdAt: createdAt(),
  },
  (table) => [
    index("set_password_approvals_pending_idx").on(table.expiresAt).where(sql`status = 'pending'`),
  ],
);
