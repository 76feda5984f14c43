import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
} from "jose";
import type { Clock } from "../clock.ts";
import type { KeyEncryption } from "./key-encryption.ts";
import type { NewSigningKey, SigningKey, SigningKeyStore } from "./ports.ts";

export const SIGNING_ALGORITHM = "RS256";
/** How long an instance keeps using what it read: a rotation elsewhere is seen within this. */
const REFRESH_MILLIS = 10_000;

export interface ActiveKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
}

/** A new RSA key pair, its private half sealed; the kid is its RFC 7638 thumbprint, in hex. */
export async function generateSigningKey(encryption: KeyEncryption): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    modulusLength: 2048,
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  // Hex rather than base64url: a kid typed on a command line must never start with "-".
  const kid = Buffer.from(await calculateJwkThumbprint(jwk), "base64url").toString("hex");
  return {
    kid,
    publicJwk: { ...jwk, kid, alg: SIGNING_ALGORITHM, use: "sig" },
    privateKeyEncrypted: encryption.seal(await exportPKCS8(privateKey)),
  };
}

/**
 * The signing keys as one instance sees them: the current key (made on first use when the
 * database has none, by whichever instance is first) and the published public keys, both re-read
 * every 10 s so that `passdesk keys rotate|revoke` reaches every instance.
 */
export function createKeyRing(deps: {
  keys: SigningKeyStore;
  encryption: KeyEncryption;
  clock: Clock;
}) {
  let active: { key: ActiveKey; until: number } | undefined;
  let published: { jwks: JWK[]; until: number } | undefined;

  async function readCurrent(): Promise<SigningKey> {
    const current = await deps.keys.current();
    if (current) return current;
    // Another instance may add one first; then that one is current.
    const added = await deps.keys.addCurrent(await generateSigningKey(deps.encryption));
    const winner = added ?? (await deps.keys.current());
    if (!winner) throw new Error("no current signing key after adding one");
    return winner;
  }

  return {
    /** The key to sign with now; throws KeyDecryptionError under the wrong encryption key. */
    async signingKey(): Promise<ActiveKey> {
      const now = deps.clock.now().getTime();
      if (active && active.until > now) return active.key;
      const current = await readCurrent();
      const key =
        active?.key.kid === current.kid
          ? active.key
          : {
              kid: current.kid,
              privateKey: await importPKCS8(
                deps.encryption.open(current.privateKeyEncrypted),
                SIGNING_ALGORITHM,
              ),
            };
      active = { key, until: now + REFRESH_MILLIS };
      return key;
    },
    /** The public keys a token may have been signed with (the JWKS's `keys`). */
    async publicKeys(): Promise<JWK[]> {
      const now = deps.clock.now();
      if (published && published.until > now.getTime()) return published.jwks;
      const keys = await deps.keys.published(now);
      const jwks = keys.map((key) => key.publicJwk as JWK);
      published = { jwks, until: now.getTime() + REFRESH_MILLIS };
      return jwks;
    },
  };
}

export type KeyRing = ReturnType<typeof createKeyRing>;
