import { normalizeEmail } from "../../users/email.ts";
import type { ExternalProfile } from "../../users/external-store.ts";
import type { SqlRow } from "./sql-drivers.ts";

/*
 * A users-table row (keyed by the aliases of sql-statements.ts) as an ExternalProfile. Apps store
 * flags in every shape: PostgreSQL booleans, MySQL TINYINT(1) or BIT(1), 't'/'1' text, and
 * "since" timestamps (Devise's confirmed_at and locked_at, Laravel's email_verified_at).
 */

export function rowToProfile(row: SqlRow, blockedValue: string | undefined): ExternalProfile {
  return {
    externalId: String(scalar(row.id)),
    email: normalizeEmail(textOrNull(row.email) ?? ""),
    emailVerified: isSet(row.emailVerified),
    name: textOrNull(row.name),
    givenName: textOrNull(row.givenName),
    familyName: textOrNull(row.familyName),
    nickname: textOrNull(row.nickname),
    blocked: matchesFlag(row.blocked, blockedValue ?? "true"),
    passwordHash: textOrNull(row.passwordHash),
  };
}

const TRUE_WORDS = new Set(["true", "t", "1", "yes", "y", "on"]);
const FALSE_WORDS = new Set(["false", "f", "0", "no", "n", "off"]);
/** A date or timestamp as text; MySQL's zero date means "never". */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}/;
const ZERO_DATE = /^0000-00-00/;

/** True for a boolean-ish "yes" or a non-null timestamp. */
export function isSet(value: unknown): boolean {
  const plain = scalar(value);
  if (plain === null || plain === undefined) return false;
  if (typeof plain === "boolean") return plain;
  if (typeof plain === "number" || typeof plain === "bigint") return Number(plain) !== 0;
  if (plain instanceof Date) return !Number.isNaN(plain.getTime());
  const text = String(plain).trim().toLowerCase();
  return TRUE_WORDS.has(text) || (TIMESTAMP_TEXT.test(text) && !ZERO_DATE.test(text));
}

/**
 * Whether a flag column holds `expected` (the connection's blockedValue), compared as text; a
 * boolean, a 0/1 number and a timestamp also match the words of their truth value, so that
 * PostgreSQL `true` matches "true", "t" or "1", MySQL's 1 matches "1" or "true", and a set
 * `locked_at` matches the default "true".
 */
export function matchesFlag(value: unknown, expected: string): boolean {
  const plain = scalar(value);
  if (plain === null || plain === undefined) return false;
  if (String(plain) === expected) return true;
  const truth = truthOf(plain);
  if (truth === undefined) return false;
  return (truth ? TRUE_WORDS : FALSE_WORDS).has(expected.trim().toLowerCase());
}

function truthOf(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number" || typeof value === "bigint") {
    const number = Number(value);
    return number === 0 || number === 1 ? number === 1 : undefined;
  }
  if (value instanceof Date) return isSet(value) ? true : undefined;
  return undefined;
}

/** A MySQL BIT(1) arrives as a one-byte Buffer, other binary columns as text in a Buffer. */
function scalar(value: unknown): unknown {
  if (!Buffer.isBuffer(value)) return value;
  if (value.length === 1 && (value[0] === 0 || value[0] === 1)) return value[0];
  return value.toString("utf8");
}

function textOrNull(value: unknown): string | null {
  const plain = scalar(value);
  if (plain === null || plain === undefined) return null;
  return plain instanceof Date ? plain.toISOString() : String(plain);
}
