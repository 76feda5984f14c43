import { randomBytes } from "node:crypto";
import type { RandomBytes } from "../secret-token.ts";

export type { RandomBytes } from "../secret-token.ts";
/** A reset ticket's token is a secret token: made and hashed as every other one. */
export {
  createSecretToken as createTicketToken,
  hashSecretToken as hashTicketToken,
} from "../secret-token.ts";

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
