import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's window, either way: a request signed longer ago (or ahead) than this is refused. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureHeaderCheck =
  | { ok: true; timestamp: string; digest: Buffer }
  | {
      ok: false;
      reason: "unknown_version" | "malformed_signature" | "malformed_timestamp" | "stale_timestamp";
    };

/**
 * Slack's request signing (`v0`), the rules that need only the headers, checked before the body
 * is read: 1. the signature is `v0=` and 64 hex digits; 2. the timestamp is whole Unix seconds;
 * 3. it is within SIGNATURE_WINDOW_SECONDS of `nowMillis`, past or future (Bolt's own check
 * refuses only old ones).
 */
export function checkSlackSignatureHeaders(
  signature: string,
  timestamp: string | undefined,
  nowMillis: number,
): SignatureHeaderCheck {
  const [version, hex] = signature.split("=", 2);
  if (version !== "v0") return { ok: false, reason: "unknown_version" };
  if (!hex || !/^[0-9a-f]{64}$/.test(hex)) return { ok: false, reason: "malformed_signature" };
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "malformed_timestamp" };
  }
  if (Math.abs(nowMillis / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: "stale_timestamp" };
  }
  return { ok: true, timestamp, digest: Buffer.from(hex, "hex") };
}

/**
 * 4. HMAC-SHA256, keyed with the signing secret, of `v0:{timestamp}:` and the raw body's bytes
 * as they arrived, compared in constant time. Nothing in the body is decoded before this.
 */
export function isSignedBody(
  signingSecret: string,
  timestamp: string,
  digest: Buffer,
  rawBody: Uint8Array,
): boolean {
  const expected = createHmac("sha256", signingSecret)
    .update(`v0:${timestamp}:`, "utf8")
    .update(rawBody)
    .digest();
  return expected.length === digest.length && timingSafeEqual(expected, digest);
}
