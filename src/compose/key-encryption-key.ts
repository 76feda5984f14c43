import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { packageRoot } from "../package-root.ts";

/** Where a development machine keeps its key-encryption key when the environment has none. */
export const DEVELOPMENT_KEY_FILE = join(packageRoot, ".data", "key-encryption-key");

/**
 * The key that encrypts the token signing keys at rest: PASSDESK_KEY_ENCRYPTION_KEY, required
 * in production (config refuses to start without it); elsewhere a random key made once and kept,
 * owner-only, in DEVELOPMENT_KEY_FILE, so that `npm start` needs no setup.
 */
export function loadKeyEncryptionKey(config: Config, logger?: Logger): Uint8Array {
  const { keyEncryptionKeyHex } = config.signIn;
  if (keyEncryptionKeyHex !== undefined) return Buffer.from(keyEncryptionKeyHex, "hex");
  mkdirSync(dirname(DEVELOPMENT_KEY_FILE), { recursive: true });
  try {
    writeFileSync(DEVELOPMENT_KEY_FILE, `${randomBytes(32).toString("hex")}\n`, {
      flag: "wx",
      mode: 0o600,
    });
    logger?.warn(
      `PASSDESK_KEY_ENCRYPTION_KEY is not set: token signing keys are encrypted with a development key made in ${DEVELOPMENT_KEY_FILE}. Set it in production.`,
    );
  } catch (error) {
    // Another process (or an earlier start) made it first: use that one.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const key = Buffer.from(readFileSync(DEVELOPMENT_KEY_FILE, "utf8").trim(), "hex");
  if (key.length !== 32) throw new Error(`${DEVELOPMENT_KEY_FILE} does not hold a 32-byte hex key`);
  return key;
}
