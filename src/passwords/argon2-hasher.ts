import { argon2id, hash, needsRehash, verify } from "argon2";
import type { PasswordHasher } from "./hasher.ts";
import { normalizePassword } from "./policy.ts";

export interface Argon2Params {
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's recommended minimum for Argon2id (Password Storage Cheat Sheet). */
export const OWASP_ARGON2ID: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** A PasswordHasher producing Argon2id PHC strings with the given cost parameters. */
export function createArgon2Hasher(params: Argon2Params = OWASP_ARGON2ID): PasswordHasher {
  return {
    hash: (password) => hash(normalizePassword(password), { ...params, type: argon2id }),

    async verify(storedHash, password) {
      try {
        return await verify(storedHash, normalizePassword(password));
      } catch {
        // argon2 throws on malformed or truncated hashes; a corrupt row must read as a
        // mismatch rather than surface as a server error.
        return false;
      }
    },

    needsRehash(storedHash) {
      // argon2.needsRehash compares only the parameters, so an argon2i hash would pass.
      if (!storedHash.startsWith("$argon2id$")) return true;
      try {
        return needsRehash(storedHash, params);
      } catch {
        return true;
      }
    },
  };
}
