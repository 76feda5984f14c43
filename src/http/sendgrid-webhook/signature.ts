import { createPublicKey, createVerify, type KeyObject } from "node:crypto";

export const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
export const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";

/**
 * How old a signed timestamp may be. SendGrid signs each POST when it sends it; a delivery
 * older than this is a replay of a captured one (every event id is applied once anyway).
 */
export const MAX_TIMESTAMP_AGE_SECONDS = 10 * 60;
/** How far ahead of this server's clock a timestamp may be: clock skew, nothing more. */
export const MAX_TIMESTAMP_LEAD_SECONDS = 5 * 60;

export type TimestampCheck =
  | { ok: true; timestamp: string }
  | { ok: false; reason: "missing_signature" | "malformed_timestamp" | "stale_timestamp" };

/**
 * SendGrid's "Signed Event Webhook" verification key: base64 DER (SubjectPublicKeyInfo) as its
 * settings page shows it, or the same in PEM. Throws unless it is an ECDSA P-256 key.
 * @sendgrid/eventwebhook reads it the same way: lines starting with "-----" dropped, the rest
 * joined and base64-decoded.
 */
export function parseVerificationKey(text: string): KeyObject {
  const base64 = text
    .split("\n")
    .filter((line) => !line.startsWith("-----"))
    .map((line) => line.trim())
    .join("");
  const key = createPublicKey({ key: Buffer.from(base64, "base64"), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error("the SendGrid verification key is not an ECDSA P-256 public key");
  }
  return key;
}

/**
 * Rules checked on the headers alone, before the body is read or any signature work is done:
 * 1. both headers are present; 2. the timestamp is whole Unix seconds; 3. it is at most
 * MAX_TIMESTAMP_AGE_SECONDS old and MAX_TIMESTAMP_LEAD_SECONDS ahead of `nowMillis`.
 */
export function checkSignedTimestamp(
  signature: string | undefined,
  timestamp: string | undefined,
  nowMillis: number,
): TimestampCheck {
  if (!signature || !timestamp) return { ok: false, reason: "missing_signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed_timestamp" };
  const ageSeconds = nowMillis / 1000 - Number(timestamp);
  if (ageSeconds > MAX_TIMESTAMP_AGE_SECONDS || -ageSeconds > MAX_TIMESTAMP_LEAD_SECONDS) {
    return { ok: false, reason: "stale_timestamp" };
  }
  return { ok: true, timestamp };
}

/**
 * Whether `signatureBase64` is the key holder's ECDSA P-256 / SHA-256 signature (DER, base64) of
 * the timestamp's bytes followed by the raw body's bytes — what SendGrid documents and what
 * @sendgrid/eventwebhook checks (it hashes `timestamp + body` as UTF-8, the same bytes for any
 * body that is UTF-8), here in OpenSSL rather than in JavaScript big-integer arithmetic.
 */
export function isSignedBy(
  key: KeyObject,
  timestamp: string,
  rawBody: Uint8Array,
  signatureBase64: string,
): boolean {
  const signature = Buffer.from(signatureBase64, "base64");
  if (signature.length === 0) return false;
  try {
    return createVerify("sha256")
      .update(timestamp, "utf8")
      .update(rawBody)
      .verify({ key, dsaEncoding: "der" }, signature);
  } catch {
    // OpenSSL refuses a signature that is not DER at all; that is a bad signature, not a fault.
    return false;
  }
}
