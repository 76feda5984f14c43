import { verifySlackRequest } from "@slack/bolt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSlackSignatureHeaders, isSignedBody } from "../../src/slack/verify-signature.ts";
import { signSlackRequest } from "../support/slack-requests.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = 1_700_000_000_000;
const HEX = "a".repeat(64);

function verifiedHere(body: string, headers: Record<string, string>, nowMillis = NOW): boolean {
  const checked = checkSlackSignatureHeaders(
    headers["x-slack-signature"] ?? "",
    headers["x-slack-request-timestamp"],
    nowMillis,
  );
  return checked.ok && isSignedBody(SECRET, checked.timestamp, checked.digest, Buffer.from(body));
}

function verifiedByBolt(body: string, headers: Record<string, string>, nowMillis = NOW): boolean {
  try {
    verifySlackRequest({
      signingSecret: SECRET,
      body,
      headers: {
        "x-slack-signature": headers["x-slack-signature"] ?? "",
        "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
      },
      nowMilliseconds: nowMillis,
    });
    return true;
  } catch {
    return false;
  }
}

describe("Slack request signatures", () => {
  it("agree with Bolt's verifier on genuine and tampered bodies, over the raw UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.boolean(), (body, tamper) => {
        const headers = signSlackRequest(body, SECRET, NOW / 1000);
        const sent = tamper ? `${body}&` : body;
        expect(verifiedHere(sent, headers)).toBe(verifiedByBolt(sent, headers));
        expect(verifiedHere(sent, headers)).toBe(!tamper);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse another secret's signature", () => {
    const headers = signSlackRequest("command=%2Fx", "another secret", NOW / 1000);

    expect(verifiedHere("command=%2Fx", headers)).toBe(false);
  });

  it("allow five minutes either way, which Bolt's verifier allows only into the past", () => {
    const check = (seconds: number) =>
      checkSlackSignatureHeaders(`v0=${HEX}`, String(NOW / 1000 + seconds), NOW);

    expect(check(-300).ok).toBe(true);
    expect(check(300).ok).toBe(true);
    expect(check(-301)).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(check(301)).toEqual({ ok: false, reason: "stale_timestamp" });
  });

  it.each([
    ["v1 signatures", `v1=${HEX}`, "1700000000", "unknown_version"],
    ["a signature without a version", HEX, "1700000000", "unknown_version"],
    ["a digest that is not 64 hex digits", "v0=abc", "1700000000", "malformed_signature"],
    ["an upper-case digest", `v0=${HEX.toUpperCase()}`, "1700000000", "malformed_signature"],
    ["no timestamp", `v0=${HEX}`, undefined, "malformed_timestamp"],
    ["a fractional timestamp", `v0=${HEX}`, "1700000000.5", "malformed_timestamp"],
    ["a hexadecimal timestamp", `v0=${HEX}`, "0x6553F100", "malformed_timestamp"],
  ])("refuse %s on the headers alone", (_what, signature, timestamp, reason) => {
    expect(checkSlackSignatureHeaders(signature, timestamp, NOW)).toEqual({ ok: false, reason });
  });
});
