import { z } from "zod";
import type { Repository } from "../db/stores.ts";
import { isDatabaseConnection } from "./connection.ts";
import { isValidEmail, normalizeEmail } from "./email.ts";
import type { NewUser } from "./user.ts";

const ENCODED_ARGON2 =
  /^\$argon2(?:id|i|d)\$v=\d+\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** A PHC-format argon2 hash. Auth0 exports write m,t,p; node's argon2 package writes m,p,t. */
function isEncodedArgon2Hash(value: string): boolean {
  const params = ENCODED_ARGON2.exec(value)?.[1];
  return (
    params
      ?.split(",")
      .map((param) => param[0])
      .sort()
      .join("") === "mpt"
  );
}

const optionalText = z.string().trim().max(300).nullish();

// Auth0's bulk user-import shape; only argon2 hashes are accepted, as that is what Passdesk verifies.
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
      algorithm: z.literal("argon2", { error: 'algorithm must be "argon2"' }),
      hash: z.object({
        value: z
          .string()
          .refine(isEncodedArgon2Hash, { error: "hash.value must be an encoded argon2 hash" }),
      }),
    })
    .optional(),
});

export interface RejectedRow {
  index: number;
  reason: string;
}

export type ImportResult =
  | { ok: true; imported: number; rejected: RejectedRow[] }
  | { ok: false; reason: "connection_not_found" | "not_database_connection" | "not_an_array" };

/**
 * Imports every valid row in one transaction (a crash leaves none of them) and reports each
 * rejected row by its index in the file.
 */
export async function importUsers(
  repo: Repository,
  connectionName: string,
  rows: unknown,
): Promise<ImportResult> {
  if (!Array.isArray(rows)) return { ok: false, reason: "not_an_array" };
  const connection = await repo.connections.findByName(connectionName);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  if (!isDatabaseConnection(connection)) return { ok: false, reason: "not_database_connection" };

  const rejected: RejectedRow[] = [];
  const accepted: Array<{ index: number; user: NewUser }> = [];
  const seen = new Set<string>();
  for (const [index, row] of rows.entries()) {
    const parsed = importedUser.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const reason = `${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid"}`;
      rejected.push({ index, reason });
      continue;
    }
    const { data } = parsed;
    const email = normalizeEmail(data.email);
    if (!isValidEmail(email)) {
      rejected.push({ index, reason: "email: not a valid email address" });
      continue;
    }
    if (seen.has(email)) {
      rejected.push({ index, reason: "email: appears earlier in the file" });
      continue;
    }
    seen.add(email);
    accepted.push({
      index,
      user: {
        email,
        emailVerified: data.email_verified ?? false,
        name: data.name ?? null,
        givenName: data.given_name ?? null,
        familyName: data.family_name ?? null,
        nickname: data.nickname ?? null,
        blocked: data.blocked ?? false,
        passwordHash: data.custom_password_hash?.hash.value ?? null,
      },
    });
  }

  const imported = await repo.transaction(async (stores) => {
    let count = 0;
    for (const { index, user } of accepted) {
      if (await stores.users.add(connection.id, user)) count++;
      else
        rejected.push({
          index,
          reason: "email: a user with this email already exists in the connection",
        });
    }
    return count;
  });
  rejected.sort((a, b) => a.index - b.index);
  return { ok: true, imported, rejected };
}
