import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { EventWebhook } from "@sendgrid/eventwebhook";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkSignedTimestamp,
  isSignedBy,
  parseVerificationKey,
} from "../../src/http/sendgrid-webhook/signature.ts";
import { createEventSigner } from "../support/sendgrid-events.ts";

// @sendgrid/eventwebhook (big-integer ECDSA in JavaScript) is the reference the native check
// must agree with: same key formats, same bytes signed, same verdicts.
const reference = new EventWebhook();

function asPem(base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  return ["-----BEGIN PUBLIC KEY-----", ...lines, "-----END PUBLIC KEY-----", ""].join("\n");
}

describe("the SendGrid signature check", () => {
  const signer = createEventSigner();
  const other = createEventSigner();
  const key = parseVerificationKey(signer.publicKey);
  const referenceKey = reference.convertPublicKeyToECDSA(signer.publicKey);
  const signatureOf = (headers: Record<string, string>) =>
    headers["x-twilio-email-event-webhook-signature"] ?? "";

  it("agrees with @sendgrid/eventwebhook on genuine, tampered and foreign signatures", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.constantFrom("genuine", "tampered", "foreign"),
        (body, seconds, kind) => {
          const timestamp = String(seconds);
          const signature = signatureOf(
            (kind === "foreign" ? other : signer).headers(body, timestamp),
          );
          const sent = kind === "tampered" ? `${body}!` : body;
          const native = isSignedBy(key, timestamp, Buffer.from(sent), signature);
          expect(native).toBe(reference.verifySignature(referenceKey, sent, signature, timestamp));
          expect(native).toBe(kind === "genuine");
        },
      ),
      { numRuns: 30 },
    );
  });

  it("reads the key as base64 DER or as PEM, as @sendgrid/eventwebhook does", () => {
    const body = '[{"event":"delivered"}]';
    const headers = signer.headers(body, "1700000000");
    for (const text of [signer.publicKey, asPem(signer.publicKey)]) {
      expect(
        isSignedBy(
          parseVerificationKey(text),
          "1700000000",
          Buffer.from(body),
          signatureOf(headers),
        ),
      ).toBe(true);
      const referenceFromText = reference.convertPublicKeyToECDSA(text);
      expect(
        reference.verifySignature(referenceFromText, body, signatureOf(headers), "1700000000"),
      ).toBe(true);
    }
  });

  it("takes a signature that is not DER, or empty, for a bad one rather than throwing", () => {
    for (const signature of [
      "",
      "AAAA",
      "not base64 at all",
      Buffer.alloc(72, 1).toString("base64"),
    ]) {
      expect(isSignedBy(key, "1700000000", Buffer.from("[]"), signature)).toBe(false);
    }
  });

  it("refuses keys that are not ECDSA P-256", () => {
    const export64 = (publicKey: KeyObject) =>
      publicKey.export({ type: "spki", format: "der" }).toString("base64");
    const secp256k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey;
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    for (const text of [export64(secp256k1), export64(rsa), "", "bm90IGEga2V5"]) {
      expect(() => parseVerificationKey(text)).toThrow();
    }
  });
});

describe("checkSignedTimestamp", () => {
  const now = 1_700_000_000_000;

  it("needs both headers and whole seconds", () => {
    expect(checkSignedTimestamp(undefined, "1700000000", now)).toMatchObject({
      reason: "missing_signature",
    });
    expect(checkSignedTimestamp("sig", undefined, now)).toMatchObject({
      reason: "missing_signature",
    });
    for (const timestamp of ["1700000000.5", "-1", " 1700000000", "1e9", "0x65535F00"]) {
      expect(checkSignedTimestamp("sig", timestamp, now)).toMatchObject({
        reason: "malformed_timestamp",
      });
    }
  });

  it("allows 600 seconds of age and 300 seconds of lead, and nothing past them", () => {
    expect(checkSignedTimestamp("sig", "1699999400", now).ok).toBe(true);
    expect(checkSignedTimestamp("sig", "1699999399", now)).toMatchObject({
      reason: "stale_timestamp",
    });
    expect(checkSignedTimestamp("sig", "1700000300", now).ok).toBe(true);
    expect(checkSignedTimestamp("sig", "1700000301", now)).toMatchObject({
      reason: "stale_timestamp",
    });
  });
});
