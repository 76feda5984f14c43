import { z } from "zod";

/*
 * A database connection whose users live in the organisation's own system: its users table
 * (src/user-stores/sql/) or its API (src/user-stores/http/). Passdesk keeps no copy of those
 * users: only a link row per user it has dealt with (connection, external id, the email the store
 * last returned), to which tickets, history, refresh tokens and audit refer.
 */

/** A user as the external store describes them; the email is normalised (users/email.ts). */
export interface ExternalProfile {
  /** The store's own id, as text (an integer column, a UUID, an API's user_id). */
  externalId: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
  blocked: boolean;
  /**
   * The store's hash of the current password when it gives one (a SQL store always does; an HTTP
   * store may), else null: Passdesk then asks the store to verify a password.
   */
  passwordHash: string | null;
}

/** One password change sent to the store; every retry of it carries the same key. */
export interface ExternalPasswordChange {
  password: string;
  idempotencyKey: string;
}

/**
 * The store could not be reached, timed out, answered 5xx or an unsigned or malformed answer;
 * the same call a moment later may succeed. `outcomeUnknown`: the request may have reached the
 * store and been applied (a timeout, a connection lost after sending, an answer Passdesk does
 * not trust), so a change must be confirmed by sending it again with the same idempotency key,
 * not given up.
 */
export class ExternalStoreUnavailableError extends Error {
  constructor(
    readonly connection: string,
    readonly why: string,
    readonly outcomeUnknown = false,
  ) {
    super(`the user store of connection ${connection} is unavailable: ${why}`);
    this.name = "ExternalStoreUnavailableError";
  }
}

export interface ExternalUserStore {
  /** What the banner and `connections list` show: kind and host, never a credential. */
  readonly description: string;
  /** The user with that (normalised) email; undefined when none, or more than one, has it. */
  getUser(email: string): Promise<ExternalProfile | undefined>;
  /** The users with any of these emails (each found as getUser would). */
  getUsers(emails: string[]): Promise<ExternalProfile[]>;
  /** Asks the store whether `password` is the user's (used when it gives no hash). */
  verifyPassword(profile: ExternalProfile, password: string): Promise<boolean>;
  /**
   * Makes `password` the user's password, in the store's own format. `not_found` when the user
   * is gone. Idempotent per key: a retry after a lost answer changes nothing more.
   */
  changePassword(
    profile: ExternalProfile,
    change: ExternalPasswordChange,
  ): Promise<"changed" | "not_found">;
  /** Reaches the store and checks its mapping (table, columns); throws one clear line. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/*
 * A connection's store, as kept in `connections.store`. Credentials never: the URL and the
 * signing secret are read from the environment variables these name.
 */

/** A SQL identifier Passdesk quotes: letters, digits and `_`, not starting with a digit. */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** An optional `schema.` before the table name. */
export const SQL_TABLE = /^(?:[A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** An environment variable's name. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

const identifier = z.string().regex(SQL_IDENTIFIER, "must be letters, digits and _");

export const hashFormatSchema = z.discriminatedUnion("algorithm", [
  z.object({
    algorithm: z.literal("bcrypt"),
    cost: z.number().int().min(4).max(14),
    /** `2b` (Node's bcrypt, Devise), `2y` (PHP: Laravel, password_hash) or `2a`. */
    prefix: z.enum(["2a", "2b", "2y"]),
  }),
  z.object({ algorithm: z.literal("argon2id") }),
]);
export type HashFormat = z.infer<typeof hashFormatSchema>;

export const sqlColumnsSchema = z.object({
  id: identifier,
  email: identifier,
  passwordHash: identifier,
  name: identifier.optional(),
  givenName: identifier.optional(),
  familyName: identifier.optional(),
  nickname: identifier.optional(),
  emailVerified: identifier.optional(),
  blocked: identifier.optional(),
});
export type SqlColumns = z.infer<typeof sqlColumnsSchema>;

export const storeConfigSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("sql"),
    urlEnv: z.string().regex(ENV_NAME, "must be an environment variable's name"),
    table: z.string().regex(SQL_TABLE, "must be [schema.]table, letters, digits and _"),
    columns: sqlColumnsSchema,
    /** The blocked column's value that means blocked (compared as text); "true" by default. */
    blockedValue: z.string().max(100).optional(),
    hashFormat: hashFormatSchema,
  }),
  z.object({
    kind: z.literal("http"),
    baseUrl: z.string().url(),
    secretEnv: z.string().regex(ENV_NAME, "must be an environment variable's name"),
  }),
]);
export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type SqlStoreConfig = Extract<StoreConfig, { kind: "sql" }>;
export type HttpStoreConfig = Extract<StoreConfig, { kind: "http" }>;

/** https anywhere; plain http only to this machine (a store on the same host or a test). */
export function checkStoreBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL";
  }
  if (url.username || url.password) return "must not hold credentials";
  if (url.search || url.hash) return "must have no query or fragment";
  if (url.protocol === "https:") return undefined;
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && loopback) return undefined;
  return "must be https (plain http only on loopback)";
}
