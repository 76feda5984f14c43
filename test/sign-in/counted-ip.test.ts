import { describe, expect, it } from "vitest";
import { countedIpOf } from "../../src/sign-in/counted-ip.ts";
import { unblockSignIn } from "../../src/sign-in/staff-unblock.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";

describe("the IP a failure is counted under", () => {
  it("is an IPv4 address as given, and an IPv6 one's /64 in RFC 5952 form", () => {
    expect(
      [
        "192.0.2.1",
        "::ffff:192.0.2.1",
        "::ffff:c000:201",
        "2001:db8:1:2:3:4:5:6",
        "2001:DB8:0001:0002::9",
        "2001:db8::7",
        "2001:0:0:1::",
        "fe80::1%eth0",
        "::1",
        "::",
        "64:ff9b::192.0.2.1",
        "not an ip",
      ].map(countedIpOf),
    ).toEqual([
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.1",
      "2001:db8:1:2::/64",
      "2001:db8:1:2::/64",
      "2001:db8::/64",
      "2001:0:0:1::/64",
      "fe80::/64",
      "::/64",
      "::/64",
      "64:ff9b::/64",
      "not an ip",
    ]);
  });

  it("so addresses of one IPv6 /64 share a count, and its block", async () => {
    const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 3 } });
    await signIn.addUser("jane@example.com");
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"])
      await signIn.signIn("jane@example.com", "wrong", ip);
    expect(await signIn.signIn("jane@example.com", "right password", "2001:db8:1:2::99")).toEqual({
      allowed: false,
      reason: "identifier_blocked",
    });
    expect(
      await signIn.signIn("jane@example.com", "right password", "2001:db8:1:3::1"),
    ).toMatchObject({ signedIn: true });
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toMatchObject([
      { ip: "2001:db8:1:2::/64", failures: 4 },
    ]);
    // Staff may name any address of the /64, or the /64 as listed.
    const lifted = await unblockSignIn(signIn.repo, {
      connection: "Username-Password-Authentication",
      email: "jane@example.com",
      ip: "2001:db8:1:2::99",
      actor: { actorType: "cli", actorId: null },
      at: new Date(),
    });
    expect(lifted).toEqual({ ok: true, lifted: 1 });
  });
});
