import type { Clock } from "../clock.ts";
import type { KeyEncryption } from "./key-encryption.ts";
import { generateSigningKey } from "./key-ring.ts";
import type { SigningKey, SigningKeyStore } from "./ports.ts";

export interface KeyManagementDependencies {
  keys: SigningKeyStore;
  encryption: KeyEncryption;
  clock: Clock;
  /** The longest-lived token a key signs: how long a rotated key must stay published. */
  maxTokenLifetimeSeconds: number;
}

/**
 * Makes a new key current. The one it replaces stops signing at once (every instance within
 * 10 s) but stays in the JWKS until every token it signed has expired; with `revokePrevious`
 * (a leaked key) it leaves the JWKS at once, and tokens it signed stop verifying.
 */
export async function rotateSigningKey(
  deps: KeyManagementDependencies,
  options: { revokePrevious: boolean },
): Promise<{ current: string; retired: SigningKey | undefined }> {
  const next = await generateSigningKey(deps.encryption);
  const at = deps.clock.now();
  const publishedUntil = new Date(at.getTime() + deps.maxTokenLifetimeSeconds * 1000);
  const retired = await deps.keys.rotate(next, at, publishedUntil);
  if (retired && options.revokePrevious) {
    return { current: next.kid, retired: await deps.keys.revoke(retired.kid, at) };
  }
  return { current: next.kid, retired };
}

export type KeyRevocation =
  | { ok: true; key: SigningKey }
  | { ok: false; reason: "not_found" | "current_key" };

/** Withdraws a rotated key from the JWKS at once; the current key must be rotated first. */
export async function revokeSigningKey(
  deps: Pick<KeyManagementDependencies, "keys" | "clock">,
  kid: string,
): Promise<KeyRevocation> {
  const current = await deps.keys.current();
  if (current?.kid === kid) return { ok: false, reason: "current_key" };
  const key = await deps.keys.revoke(kid, deps.clock.now());
  return key ? { ok: true, key } : { ok: false, reason: "not_found" };
}

/** How `passdesk keys list` names a key's state at `at`. */
export function describeKeyState(key: SigningKey, at: Date): string {
  if (key.revokedAt !== null) return `revoked ${key.revokedAt.toISOString()}`;
  if (key.rotatedAt === null) return "current";
  if (key.publishedUntil !== null && key.publishedUntil > at) {
    return `previous, published until ${key.publishedUntil.toISOString()}`;
  }
  return "retired";
}
