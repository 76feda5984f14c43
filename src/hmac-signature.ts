import { createHmac, timingSafeEqual } from "node:crypto";

/*
 * Signatures between Passdesk and an organisation's API, and on the webhooks it sends,
 * Stripe-style: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. The timestamp inside the MAC
 * bounds replays to the tolerance window; several `v1` are accepted so a sender can sign with an
 * old and a new secret while rotating.
 */

export const SIGNATURE_HEADER = "X-Passdesk-Signature";

/** Five minutes either way: enough for clock drift, short enough to make replays stale. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const TIMESTAMP = /^\d{1,12}$/;
const HEX_MAC = /^[0-9a-f]{64}$/;

/** The header value signing `body` at `nowSeconds`. */
export function signPayload(secret: string, body: string | Uint8Array, nowSeconds: number): string {
  const t = String(Math.floor(nowSeconds));
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Whether `header` signs exactly `body` with `secret` at a time within `toleranceSeconds` of
 * `nowSeconds`. Any malformed header is simply false: callers treat it as unsigned.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const parsed = header ? parseHeader(header) : undefined;
  if (!parsed) return false;
  if (Math.abs(Math.floor(nowSeconds) - Number(parsed.t)) > toleranceSeconds) return false;
  const expected = Buffer.from(mac(secret, parsed.t, body), "hex");
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const candidate of parsed.macs) {
    if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) matched = true;
  }
  return matched;
}

function mac(secret: string, t: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
}

/** `t` once and at least one well-formed `v1`; unknown schemes (v0, v2) are ignored. */
function parseHeader(header: string): { t: string; macs: string[] } | undefined {
  if (header.length > 1000) return undefined;
  let t: string | undefined;
  const macs: string[] = [];
  for (const part of header.split(",")) {
    const equals = part.indexOf("=");
    if (equals < 0) return undefined;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === "t") {
      if (t !== undefined || !TIMESTAMP.test(value)) return undefined;
      t = value;
    } else if (key === "v1") {
      if (!HEX_MAC.test(value)) return undefined;
      macs.push(value);
    }
  }
  return t !== undefined && macs.length > 0 ? { t, macs } : undefined;
}
