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
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { OutboxEmailKind } from "../email/ports.ts";
import type { ResetRequestSource } from "../password-reset/ports.ts";

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
  createdAt: createdAt(),
});

export const clients = pgTable("clients", {
  id: serial("id").primaryKey(),
  clientId: text("client_id").notNull().unique(),
  name: text("name").notNull(),
  webOrigins: jsonb("web_origins").$type<string[]>().notNull().default([]),
  createdAt: createdAt(),
});

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
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (table) => [uniqueIndex("users_connection_email_key").on(table.connectionId, table.email)],
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
  },
  (table) => [
    index("audit_log_at_idx").on(table.at),
    index("audit_log_slack_due_idx")
      .on(table.slackNextAttemptAt)
      .where(sql`slack_state = 'pending'`),
  ],
);

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
