import { describe, expect, it } from "vitest";
import { BLOCK_LIFETIME_MILLIS } from "../../src/sign-in/ports.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";

const WRONG = "wrong password";
const RIGHT = "right password";

async function failTimes(
  signIn: ReturnType<typeof createMemorySignIn>,
  email: string,
  times: number,
  ip?: string,
) {
  const outcomes = [];
  for (let i = 0; i < times; i++) outcomes.push(await signIn.signIn(email, WRONG, ip));
  return outcomes;
}

describe("brute-force protection", () => {
  it("ten wrong passwords block the identifier at that IP: the eleventh is refused even when right", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    const outcomes = await failTimes(signIn, "jane@example.com", 10);
    expect(outcomes.every((outcome) => outcome.allowed)).toBe(true);
    expect(await signIn.signIn("Jane@Example.com", RIGHT)).toEqual({
      allowed: false,
      reason: "identifier_blocked",
    });
    expect(await signIn.signIn("jane@example.com", RIGHT, "192.0.2.99")).toEqual({
      allowed: true,
      signedIn: true,
    });
  });

  it("the block is audited once with Auth0's log type, and nothing secret", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 12);
    const blocked = (await signIn.repo.audit.tail(20)).filter(
      (row) => row.action === "sign_in.blocked",
    );
    expect(blocked).toEqual([
      expect.objectContaining({
        actorType: "system",
        outcome: "blocked",
        targetEmail: "jane@example.com",
        connection: "Username-Password-Authentication",
        requestId: expect.stringMatching(/^blk_/),
        details: { logType: "limit_wc", ip: "192.0.2.10", count: 10 },
      }),
    ]);
    expect(JSON.stringify(await signIn.repo.audit.tail(50))).not.toContain(WRONG);
  });

  it("a known user is emailed a single-use link that lifts the block, after the answer", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 10);
    await signIn.settled();
    expect(signIn.mailer.sent).toHaveLength(1);
    const [email] = signIn.mailer.sent;
    expect(email).toMatchObject({
      to: "jane@example.com",
      from: "Passdesk <no-reply@example.com>",
    });
    expect(email?.text).toContain("10 failed attempts");
    expect(email?.text).toContain("192.0.2.10");
    expect(email?.text).toMatch(/https:\/\/passdesk\.example\.com\/lo\/unblock\?ticket=[\w-]{43}/);
    expect(signIn.repo.database.tables.unblockTickets).toMatchObject([
      { ip: "192.0.2.10", expiresAt: new Date(signIn.clock.now().getTime() + 86_400_000) },
    ]);
    const token = email?.text.match(/ticket=([\w-]+)/)?.[1] ?? "";
    expect(signIn.repo.database.tables.unblockTickets[0]?.tokenHash).not.toBe(token);
    expect(await signIn.repo.audit.tail(1)).toMatchObject([
      { action: "sign_in.block_email", outcome: "sent", targetEmail: "jane@example.com" },
    ]);
  });

  it("an unknown identifier is counted, answered and blocked as a known one, with no email", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    const known = await failTimes(signIn, "jane@example.com", 11);
    const unknown = await failTimes(signIn, "nobody@example.com", 11);
    expect(unknown).toEqual(known);
    await signIn.settled();
    expect(signIn.mailer.sent.map((email) => email.to)).toEqual(["jane@example.com"]);
    const blocks = (await signIn.repo.audit.tail(20)).filter(
      (row) => row.action === "sign_in.blocked",
    );
    expect(blocks.map((row) => row.targetEmail)).toEqual([
      "jane@example.com",
      "nobody@example.com",
    ]);
  });

  it("50 wrong attempts at once let exactly ten through and start one block", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => signIn.signIn("jane@example.com", WRONG)),
    );
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
    expect(outcomes.filter((outcome) => !outcome.allowed)).toHaveLength(40);
    await signIn.settled();
    expect(signIn.mailer.sent).toHaveLength(1);
    const audit = await signIn.repo.audit.tail(100);
    expect(audit.filter((row) => row.action === "sign_in.blocked")).toHaveLength(1);
  });

  it("a right password starts the count over", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 9);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
    const again = await failTimes(signIn, "jane@example.com", 9);
    expect(again.every((outcome) => outcome.allowed)).toBe(true);
  });

  it("the attempt that reaches the maximum signs in when its password is right, lifting its block", async () => {
    const signIn = createMemorySignIn();
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 9);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toEqual([]);
    expect((await signIn.repo.audit.tail(10)).map((row) => row.action)).not.toContain(
      "sign_in.blocked",
    );
  });

  it("counts per identifier only when the connection says so: another IP is blocked too", async () => {
    const signIn = createMemorySignIn({
      bruteForce: { mode: "count_per_identifier", maxAttempts: 3 },
    });
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 2, "192.0.2.1");
    await failTimes(signIn, "jane@example.com", 1, "2001:db8::1");
    expect(await signIn.signIn("jane@example.com", RIGHT, "198.51.100.7")).toEqual({
      allowed: false,
      reason: "identifier_blocked",
    });
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toMatchObject([
      { ip: "*", failures: 4 },
    ]);
  });

  it("never counts an allowlisted IP or CIDR, IPv4 or IPv6", async () => {
    const signIn = createMemorySignIn({
      bruteForce: { maxAttempts: 2, allowlist: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.5"] },
      ipThrottle: { burst: 2, perMinute: 1 },
    });
    await signIn.addUser("jane@example.com");
    for (const ip of ["10.1.2.3", "2001:db8::42", "192.0.2.5", "::ffff:10.9.9.9"]) {
      const outcomes = await failTimes(signIn, "jane@example.com", 5, ip);
      expect(outcomes.every((outcome) => outcome.allowed)).toBe(true);
    }
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toEqual([]);
  });

  it("counts nothing when the connection's protection is off", async () => {
    const signIn = createMemorySignIn({ bruteForce: { enabled: false, maxAttempts: 2 } });
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 5);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toEqual([]);
  });

  it("without the block shield, reaching the maximum only emails the user, with no link", async () => {
    const signIn = createMemorySignIn({
      bruteForce: { maxAttempts: 2, shields: ["user_notification"] },
    });
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 3);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
    await signIn.settled();
    expect(signIn.mailer.sent).toHaveLength(1);
    expect(signIn.mailer.sent[0]?.text).not.toContain("/lo/unblock");
    expect(signIn.repo.database.tables.unblockTickets).toEqual([]);
  });

  it("a block older than thirty days no longer counts", async () => {
    const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 3);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ allowed: false });
    signIn.clock.advance(BLOCK_LIFETIME_MILLIS + 1000);
    expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
  });

  it("a password change (the store's clear) lifts every block of the identifier", async () => {
    const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
    await signIn.addUser("jane@example.com");
    await failTimes(signIn, "jane@example.com", 2, "192.0.2.1");
    await failTimes(signIn, "jane@example.com", 2, "192.0.2.2");
    expect(await signIn.repo.signInFailures.clear(1, "jane@example.com")).toBe(2);
    expect(await signIn.signIn("jane@example.com", RIGHT, "192.0.2.1")).toMatchObject({
      signedIn: true,
    });
  });
});

describe("suspicious-IP throttling", () => {
  it("failures from one IP over many users throttle it for everyone, audited once", async () => {
    const signIn = createMemorySignIn({ ipThrottle: { burst: 5, perMinute: 1 } });
    await signIn.addUser("jane@example.com");
    for (let i = 0; i < 5; i++) await signIn.signIn(`user${i}@example.com`, WRONG, "198.51.100.9");
    expect(await signIn.signIn("jane@example.com", RIGHT, "198.51.100.9")).toEqual({
      allowed: false,
      reason: "ip_throttled",
      retryAfterSeconds: 60,
    });
    expect(await signIn.signIn("jane@example.com", RIGHT, "198.51.100.10")).toMatchObject({
      signedIn: true,
    });

    // A token flows back in a minute; the next failure empties the bucket again, unaudited.
    signIn.clock.advance(60_000);
    expect(await signIn.signIn("user9@example.com", WRONG, "198.51.100.9")).toMatchObject({
      allowed: true,
    });
    expect(await signIn.signIn("jane@example.com", RIGHT, "198.51.100.9")).toMatchObject({
      reason: "ip_throttled",
    });
    const throttles = (await signIn.repo.audit.tail(50)).filter(
      (row) => row.action === "sign_in.ip_throttled",
    );
    expect(throttles).toEqual([
      expect.objectContaining({
        outcome: "throttled",
        details: { ip: "198.51.100.9", burst: 5, perMinute: 1 },
      }),
    ]);
  });

  it("right passwords take nothing from the IP's allowance", async () => {
    const signIn = createMemorySignIn({ ipThrottle: { burst: 2, perMinute: 1 } });
    await signIn.addUser("jane@example.com");
    for (let i = 0; i < 5; i++)
      expect(await signIn.signIn("jane@example.com", RIGHT)).toMatchObject({ signedIn: true });
  });
});
