import bcrypt from "bcrypt";
import type { PasswordHasher } from "./hasher.ts";
import { normalizePassword } from "./policy.ts";

/** How an organisation's own app stores passwords (users/external-store.ts validates it). */
export type HashFormat =
  | { algorithm: "bcrypt"; cost: number; prefix: "2a" | "2b" | "2y" }
  | { algorithm: "argon2id" };

/**
 * Hashes a password in the format an organisation's own app stores and checks (bcrypt with its
 * cost and prefix, or Argon2id in canonical PHC order), so that the app's own `bcrypt.compare`
 * or `password_verify` accepts a password Passdesk set. `argon2` is Passdesk's own (bounded)
 * hasher; bcrypt runs within the same `bound` as every other hashing in the process.
 */
export function createFormatHasher(
  format: HashFormat,
  argon2: Pick<PasswordHasher, "hash">,
  bound: <T>(operation: () => Promise<T>) => Promise<T>,
): (password: string) => Promise<string> {
  if (format.algorithm === "argon2id") return (password) => argon2.hash(password);
  return async (password) => {
    // The native package writes $2b$; $2a$ and $2y$ are the same algorithm under other names.
    const hash = await bound(() => bcrypt.hash(normalizePassword(password), format.cost));
    return `$${format.prefix}$${hash.slice(4)}`;
  };
}
