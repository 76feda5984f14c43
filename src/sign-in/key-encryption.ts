import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Seals the private halves of signing keys at rest (AES-256-GCM under the key-encryption key). */
export interface KeyEncryption {
  seal(plain: string): string;
  /** Throws KeyDecryptionError when the text was sealed under another key or altered. */
  open(sealed: string): string;
}

export class KeyDecryptionError extends Error {
  constructor() {
    super(
      "a signing key cannot be decrypted: it was encrypted with another PASSDESK_KEY_ENCRYPTION_KEY",
    );
    this.name = "KeyDecryptionError";
  }
}

const VERSION = "v1";
/** Binds the ciphertext to its use: a sealed signing key is not valid as anything else. */
const SIGNING_KEY_USE = "passdesk signing key";

/** `use` binds what is sealed to one purpose (a sealed password is no signing key). */
export function createKeyEncryption(key: Uint8Array, use = SIGNING_KEY_USE): KeyEncryption {
  const ASSOCIATED_DATA = Buffer.from(use);
  if (key.length !== 32) throw new RangeError("the key-encryption key must be 32 bytes");
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(ASSOCIATED_DATA);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) throw new KeyDecryptionError();
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
          .setAAD(ASSOCIATED_DATA)
          .setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([
          decipher.update(Buffer.from(body, "base64url")),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new KeyDecryptionError();
      }
    },
  };
}
