import type { PasswordHasher } from "../passwords/hasher.ts";
import type { PasswordCheck } from "./ports.ts";

/**
 * Checks a password against a stored hash (argon2id, or an imported bcrypt or argon2 hash), and
 * says whether a match should be rehashed to the current parameters. The built-in user tables'
 * `UserStore.verifyPassword`.
 */
export async function checkPasswordHash(
  hasher: PasswordHasher,
  storedHash: string | null,
  password: string,
): Promise<PasswordCheck> {
  if (storedHash === null) return { ok: false, reason: "no_password" };
  if (!(await hasher.verify(storedHash, password))) return { ok: false, reason: "wrong_password" };
  return { ok: true, needsRehash: hasher.needsRehash(storedHash) };
}
