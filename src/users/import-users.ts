import { z } from "zod";
import { MAX_BCRYPT_COST } from "../passwords/bcrypt-hash.ts";
import {
  checkImportedHash,
  type ImportedHashAlgorithm,
  type ImportedHashCheck,
} from "../passwords/imported-hash.ts";
import type { Transaction } from "../unit-of-work.ts";
import { findIllFormedText } from "../well-formed-text.ts";
import { isDatabaseConnection } from "./connection.ts";
import { isValidEmail, normalizeEmail } from "./email.ts";
import type { ConnectionStore, UserStore } from "./ports.ts";
import type { NewUser } from "./user.ts";

const optionalText = z.string().trim().max(300).nullish();

// Auth0's bulk user-import shape. Only the hash algorithms Passdesk verifies are accepted.
const importedUser = z.object({
  email: z.string({
    error: (issue) => (issue.input === undefined ? "is missing" : "must be a string"),
  }),
  email_verified: z.boolean().optional(),
  name: optionalText,
  given_name: optionalText,
  family_name: optionalText,
  nickname: optionalText,
  blocked: z.boolean().optional(),
  custom_password_hash: z
    .object({
      algorithm: z.enum(["argon2", "bcrypt"], {
        error: 'algorithm must be "argon2" or "bcrypt"',
      }),
      hash: z.object({ value: z.string() }),
    })
    .optional(),
});

const HASH_FIELD = "custom_password_hash.hash.value";
const HASH_PROBLEMS: Record<
  ImportedHashAlgorithm,
  Record<Exclude<ImportedHashCheck, { ok: true }>["reason"], string>
> = {
  argon2: {
    malformed:
      "not an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$digest, parameters in any order)",
    cost_too_high:
      "the argon2 parameters cost more than Passdesk verifies (256 MiB; memory × passes 1 GiB; 16 lanes)",
  },
  bcrypt: {
    malformed: "not a bcrypt hash ($2a$, $2b$ or $2y$, a two-digit cost, 53 characters)",
    cost_too_high: `the bcrypt cost is above ${MAX_BCRYPT_COST}, the most Passdesk verifies`,
  },
};

export interface RejectedRow {
  /** The row's position in the file, counted from 1. */
  row: number;
  reason: string;
}

export type ImportResult =
  | { ok: true; imported: number; rejected: RejectedRow[] }
  | { ok: false; reason: "connection_not_found" | "not_database_connection" | "not_an_array" };

type RowCheck = { ok: true; user: NewUser } | { ok: false; reason: string };

/**
 * Imports every valid row in one transaction (a crash leaves none of them) and reports each
 * rejected row by its position in the file, the first row being row 1. Argon2 hashes are
 * stored in their canonical form, bcrypt ones as given.
 */
export async function importUsers(
  repo: {
    connections: Pick<ConnectionStore, "findByName">;
    transaction: Transaction<{ users: Pick<UserStore, "add"> }>;
  },
  connectionName: string,
  rows: unknown,
): Promise<ImportResult> {
  if (!Array.isArray(rows)) return { ok: false, reason: "not_an_array" };
  const connection = await repo.connections.findByName(connectionName);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  if (!isDatabaseConnection(connection)) return { ok: false, reason: "not_database_connection" };

  const rejected: RejectedRow[] = [];
  const accepted: Array<{ row: number; user: NewUser }> = [];
  const seen = new Set<string>();
  for (const [index, input] of rows.entries()) {
    const row = index + 1;
    const check = checkRow(input);
    if (!check.ok) {
      rejected.push({ row, reason: check.reason });
    } else if (seen.has(check.user.email)) {
      rejected.push({ row, reason: "email: appears earlier in the file" });
    } else {
      seen.add(check.user.email);
      accepted.push({ row, user: check.user });
    }
  }

  const imported = await repo.transaction(async (stores) => {
    let count = 0;
    for (const { row, user } of accepted) {
      if (await stores.users.add(connection.id, user)) count++;
      else
        rejected.push({
          row,
          reason: "email: a user with this email already exists in the connection",
        });
    }
    return count;
  });
  rejected.sort((a, b) => a.row - b.row);
  return { ok: true, imported, rejected };
}

function checkRow(input: unknown): RowCheck {
  // A lone surrogate would be stored as U+FFFD (or refused by the database) and so become a
  // different string from the one in the file.
  const illFormed = findIllFormedText(input);
  if (illFormed === "(too deep)") return { ok: false, reason: "row: nested too deeply" };
  if (illFormed !== undefined) {
    const field = illFormed === "(value)" ? "row" : illFormed;
    return { ok: false, reason: `${field}: not well-formed Unicode` };
  }
  const parsed = importedUser.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid"}`,
    };
  }
  const { data } = parsed;
  const email = normalizeEmail(data.email);
  if (!isValidEmail(email)) return { ok: false, reason: "email: not a valid email address" };
  let passwordHash: string | null = null;
  if (data.custom_password_hash) {
    const { algorithm, hash } = data.custom_password_hash;
    const check = checkImportedHash(algorithm, hash.value);
    if (!check.ok) {
      return { ok: false, reason: `${HASH_FIELD}: ${HASH_PROBLEMS[algorithm][check.reason]}` };
    }
    passwordHash = check.hash;
  }
  return {
    ok: true,
    user: {
      email,
      emailVerified: data.email_verified ?? false,
      name: data.name ?? null,
      givenName: data.given_name ?? null,
      familyName: data.family_name ?? null,
      nickname: data.nickname ?? null,
      blocked: data.blocked ?? false,
      passwordHash,
    },
  };
}
