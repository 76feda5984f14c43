import { createHash, randomBytes } from "node:crypto";

export type RandomBytes = (size: number) => Uint8Array;

/** 32 random bytes, base64url: the secret in a reset link. Only its hash is ever stored. */
export function createTicketToken(random: RandomBytes = randomBytes): string {
  return Buffer.from(random(32)).toString("base64url");
}

/**
 * SHA-256 suffices (no salt or slow hash): the token has 256 bits of entropy, so the hash cannot
 * be reversed by guessing, and lookups by hash need no constant-time comparison.
 */
export function hashTicketToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * Bytes from the CSPRNG, 4 KiB fetched at a time and each byte handed out once (as Node's
 * randomUUID does): one `randomBytes` call per id cost as much as the rest of building a request.
 */
export function pooledRandomBytes(size: number): Uint8Array {
  if (size > POOL_BYTES) return randomBytes(size);
  if (used + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += size;
  return pool.subarray(used - size, used);
}

/** An opaque, unguessable id for requests and emails (safe to show and to send to providers). */
export function createOpaqueId(prefix: string, random: RandomBytes = pooledRandomBytes): string {
  return `${prefix}_${Buffer.from(random(16)).toString("base64url")}`;
}
