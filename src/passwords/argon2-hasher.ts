import { randomBytes } from "node:crypto";
import { argon2id, hash as hashArgon2, verify as verifyArgon2 } from "argon2";
import bcrypt from "bcrypt";
import { formatArgon2Hash, parseArgon2Hash } from "./argon2-phc.ts";
import { checkBcryptHash } from "./bcrypt-hash.ts";
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

const SALT_BYTES = 16;
const ARGON2_VERSION = 19;

/**
 * A PasswordHasher that stores Argon2id as canonical PHC strings (m, t, p: what libsodium,
 * PHP and the reference decoder accept) with the given cost parameters. It verifies Argon2
 * strings in either parameter order and bcrypt hashes (imported from other systems), and asks
 * for a rehash of anything that is not exactly what it would write today.
 */
export function createArgon2Hasher(params: Argon2Params = OWASP_ARGON2ID): PasswordHasher {
  return {
    async hash(password) {
      // node-argon2 serialises its own strings as m,p,t (node-argon2#559), so Passdesk asks it
      // for the raw digest only and writes the string itself.
      const salt = randomBytes(SALT_BYTES);
      const digest = await hashArgon2(normalizePassword(password), {
        ...params,
        type: argon2id,
        version: ARGON2_VERSION,
        salt,
        raw: true,
      });
      return formatArgon2Hash({
        variant: "argon2id",
        version: ARGON2_VERSION,
        ...params,
        salt,
        hash: digest,
      });
    },

    async verify(storedHash, password) {
      try {
        if (checkBcryptHash(storedHash).ok) return await verifyBcrypt(storedHash, password);
        return await verifyArgon2(storedHash, normalizePassword(password));
      } catch {
        // argon2 throws on malformed or truncated hashes; a corrupt row must read as a
        // mismatch rather than surface as a server error.
        return false;
      }
    },

    needsRehash(storedHash) {
      const parsed = parseArgon2Hash(storedHash);
      return (
        parsed === undefined ||
        parsed.variant !== "argon2id" ||
        parsed.version !== ARGON2_VERSION ||
        parsed.memoryCost !== params.memoryCost ||
        parsed.timeCost !== params.timeCost ||
        parsed.parallelism !== params.parallelism ||
        // Right parameters in the wrong order (or any other spelling): rewrite it canonically.
        formatArgon2Hash(parsed) !== storedHash
      );
    },
  };
}

// The native bcrypt package knows $2a$ and $2b$ only; PHP's $2y$ is the same algorithm as $2b$.
function verifyBcrypt(storedHash: string, password: string): Promise<boolean> {
  return bcrypt.compare(normalizePassword(password), storedHash.replace(/^\$2y\$/, "$2b$"));
}
