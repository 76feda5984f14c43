import { describe, expect, it } from "vitest";
import { allowlistOf } from "../../src/sign-in/allowlist.ts";
import {
  describeBruteForce,
  isAllowlistEntry,
  readBruteForceChanges,
} from "../../src/sign-in/settings.ts";
import { DEFAULT_BRUTE_FORCE } from "../../src/users/connection.ts";

describe("brute-force settings", () => {
  it("accept IPv4 and IPv6 addresses and CIDRs, nothing else", () => {
    for (const entry of ["192.0.2.1", "10.0.0.0/8", "2001:db8::1", "2001:db8::/32", "::/0"])
      expect(isAllowlistEntry(entry), entry).toBe(true);
    for (const entry of [
      "192.0.2.256",
      "10.0.0.0/33",
      "2001:db8::/129",
      "example.com",
      "1.2.3.4/8/2",
      "10.0.0.0/",
    ])
      expect(isAllowlistEntry(entry), entry).toBe(false);
  });

  it("reads the changes given and lists every problem at once", () => {
    expect(
      readBruteForceChanges({
        maxAttempts: 5,
        shields: "block",
        allowlist: "none",
        mode: "count_per_identifier",
      }),
    ).toEqual({
      ok: true,
      changes: { maxAttempts: 5, shields: ["block"], allowlist: [], mode: "count_per_identifier" },
    });
    expect(
      readBruteForceChanges({
        maxAttempts: 0,
        mode: "per_ip",
        shields: "block,captcha",
        allowlist: "10.0.0.1,nope",
      }),
    ).toEqual({
      ok: false,
      problems: [
        "max attempts must be a whole number from 1 to 100",
        "mode must be one of count_per_identifier_and_ip, count_per_identifier",
        "shields must be among block, user_notification (or none), got captcha",
        "not an IP address or CIDR: nope",
      ],
    });
  });

  it("describe themselves on one line", () => {
    expect(describeBruteForce(DEFAULT_BRUTE_FORCE)).toBe(
      "protection=on max-attempts=10 mode=count_per_identifier_and_ip shields=block,user_notification allowlist=none",
    );
  });

  it("an allowlist matches its addresses and subnets, IPv4-mapped IPv6 included, and skips bad entries", () => {
    const allowed = allowlistOf(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "not-an-ip"]);
    expect(["10.200.1.1", "::ffff:10.0.0.1", "2001:db8:1::5", "192.0.2.7"].map(allowed)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["11.0.0.1", "192.0.2.8", "2001:db9::1", "garbage"].map(allowed)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
