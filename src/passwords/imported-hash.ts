import { formatArgon2Hash, parseArgon2Hash } from "./argon2-phc.ts";
import { checkBcryptHash } from "./bcrypt-hash.ts";

export type ImportedHashAlgorithm = "argon2" | "bcrypt";

/**
 * The most an imported Argon2 hash may cost to verify: 256 MiB, and memory × passes up to
 * 1 GiB (about 1 s of one core on Passdesk's reference host, like bcrypt at its cost limit),
 * 16 lanes. RFC 9106's second recommendation (64 MiB, t=3, p=4) and OWASP's fit easily.
 */
export const MAX_IMPORTED_ARGON2 = {
  memoryCostKib: 262_144,
  memoryTimeKib: 1_048_576,
  parallelism: 16,
} as const;

export type ImportedHashCheck =
  | { ok: true; hash: string }
  | { ok: false; reason: "malformed" | "cost_too_high" };

/**
 * Whether a password hash from another system (Auth0's bulk-import `custom_password_hash`) is
 * one Passdesk verifies, and the string to store: Argon2 in its canonical form (see
 * canonicalizeArgon2Hash), bcrypt as given. Each is replaced by Passdesk's own argon2id hash the
 * next time the password is set.
 */
export function checkImportedHash(
  algorithm: ImportedHashAlgorithm,
  value: string,
): ImportedHashCheck {
  if (algorithm === "bcrypt") {
    const check = checkBcryptHash(value);
    return check.ok ? { ok: true, hash: value } : check;
  }
  const parsed = parseArgon2Hash(value);
  if (!parsed) return { ok: false, reason: "malformed" };
  const { memoryCost, timeCost, parallelism } = parsed;
  if (
    memoryCost > MAX_IMPORTED_ARGON2.memoryCostKib ||
    memoryCost * timeCost > MAX_IMPORTED_ARGON2.memoryTimeKib ||
    parallelism > MAX_IMPORTED_ARGON2.parallelism
  ) {
    return { ok: false, reason: "cost_too_high" };
  }
  return { ok: true, hash: formatArgon2Hash(parsed) };
}
