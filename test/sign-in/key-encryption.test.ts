import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { createKeyEncryption, KeyDecryptionError } from "../../src/sign-in/key-encryption.ts";
import { createKeyRing, generateSigningKey } from "../../src/sign-in/key-ring.ts";
import { createManualClock } from "../support/clock.ts";
import { createMemoryStores } from "../support/memory/stores.ts";

describe("sealing signing keys", () => {
  it("opens what it sealed, and nothing sealed under another key or altered", () => {
    const encryption = createKeyEncryption(randomBytes(32));
    const sealed = encryption.seal("-----BEGIN PRIVATE KEY-----");
    expect(sealed).not.toContain("PRIVATE");
    expect(encryption.open(sealed)).toBe("-----BEGIN PRIVATE KEY-----");
    expect(() => createKeyEncryption(randomBytes(32)).open(sealed)).toThrow(KeyDecryptionError);
    const [version, iv, tag, body] = sealed.split(".");
    const flipped = `${body?.[0] === "A" ? "B" : "A"}${body?.slice(1)}`;
    expect(() => encryption.open([version, iv, tag, flipped].join("."))).toThrow(
      KeyDecryptionError,
    );
    expect(() => encryption.open("garbage")).toThrow(KeyDecryptionError);
  });

  it("a key ring under the wrong key-encryption key refuses to sign", async () => {
    const clock = createManualClock();
    const repo = createMemoryStores({ clock });
    await repo.signingKeys.addCurrent(
      await generateSigningKey(createKeyEncryption(randomBytes(32))),
    );
    const ring = createKeyRing({
      keys: repo.signingKeys,
      encryption: createKeyEncryption(randomBytes(32)),
      clock,
    });
    await expect(ring.signingKey()).rejects.toThrow(KeyDecryptionError);
    expect(await ring.publicKeys()).toHaveLength(1);
  });

  it("two instances starting at once end with one current key", async () => {
    const clock = createManualClock();
    const repo = createMemoryStores({ clock });
    const encryption = createKeyEncryption(randomBytes(32));
    const rings = [1, 2, 3].map(() => createKeyRing({ keys: repo.signingKeys, encryption, clock }));
    const kids = await Promise.all(rings.map(async (ring) => (await ring.signingKey()).kid));
    expect(new Set(kids).size).toBe(1);
    // Typed on command lines (keys revoke KID): hex never starts with "-" as base64url can.
    expect(kids[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(await repo.signingKeys.list()).toHaveLength(1);
  });
});

describe("the key-encryption key in config", () => {
  it("is required in production, and read as hex or base64", () => {
    expect(() => parseConfig({ NODE_ENV: "production" })).toThrow(
      /PASSDESK_KEY_ENCRYPTION_KEY: is required when NODE_ENV=production/,
    );
    const key = randomBytes(32);
    for (const written of [key.toString("hex"), key.toString("base64")]) {
      const config = parseConfig({ NODE_ENV: "production", PASSDESK_KEY_ENCRYPTION_KEY: written });
      expect(config.signIn.keyEncryptionKeyHex).toBe(key.toString("hex"));
    }
    expect(() => parseConfig({ PASSDESK_KEY_ENCRYPTION_KEY: "too short" })).toThrow(
      /PASSDESK_KEY_ENCRYPTION_KEY: must be 32 random bytes/,
    );
    expect(parseConfig({}).signIn.keyEncryptionKeyHex).toBeUndefined();
  });
});
