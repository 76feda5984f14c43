import { createHash, randomBytes } from "node:crypto";

export type RandomBytes = (size: number) => Uint8Array;

/** 32 random bytes, base64url: the secret in a reset link, an unblock link or a refresh token. Only its hash is ever stored. */
export function createSecretToken(random: RandomBytes = randomBytes): string {
  return Buffer.from(random(32)).toString("base64url");
}

/**
 * SHA-256 suffices (no salt or slow hash): the token has 256 bits of entropy, so the hash cannot
 * be reversed by guessing, and lookups by hash need no constant-time comparison.
 */
export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
