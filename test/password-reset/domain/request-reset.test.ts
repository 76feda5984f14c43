import { describe, expect, it } from "vitest";
import { createMemoryReset } from "../../support/memory-reset.ts";

describe("a public reset request", () => {
  it("gets the same answer for a known and an unknown address, and both are recorded", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    const known = await reset.request("jane@example.com", "203.0.113.1");
    const unknown = await reset.request("nobody@example.com", "203.0.113.2");

    expect(known.ok && unknown.ok).toBe(true);
    // The request id differs, as it must; nothing else may.
    const answer = (result: typeof known) => ({ ...result, requestId: "req_…" });
    expect(answer(known)).toEqual(answer(unknown));
    expect(
      reset.repo.database.tables.resetRequests.map(({ email, status, userId }) => ({
        email,
        status,
        userId,
      })),
    ).toEqual([
      { email: "jane@example.com", status: "pending", userId: null },
      { email: "nobody@example.com", status: "pending", userId: null },
    ]);
    expect(await reset.repo.audit.tail(10)).toEqual([]);
  });

  it("is recorded with the address normalised", async () => {
    const reset = createMemoryReset();
    await reset.request("  Jane@EXAMPLE.com ");
    expect(reset.repo.database.tables.resetRequests[0]?.email).toBe("jane@example.com");
  });

  it("is refused past ten for one address from one IP in a minute, and the refusal audited", async () => {
    const reset = createMemoryReset();
    for (let i = 0; i < 10; i++) expect((await reset.request("jane@example.com")).ok).toBe(true);
    const refused = await reset.request("JANE@example.com");
    expect(refused).toMatchObject({
      ok: false,
      reason: "rate_limited",
      rateLimit: { allowed: false, limit: 10, remaining: 0, retryAfterSeconds: 60 },
    });
    expect(reset.repo.database.tables.resetRequests).toHaveLength(10);
    expect(await reset.repo.audit.tail(10)).toMatchObject([
      {
        actorType: "public",
        actorId: "203.0.113.7",
        action: "password_reset.requested",
        outcome: "rate_limited",
        targetEmail: "jane@example.com",
      },
    ]);
  });

  it("is limited the same for an unknown address as for a known one", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    const answers = async (email: string) => {
      const results = [];
      for (let i = 0; i < 12; i++) results.push((await reset.request(email)).ok);
      return results;
    };
    expect(await answers("jane@example.com")).toEqual(await answers("nobody@example.com"));
  });

  it("is allowed again from another IP, and from the same one after the bucket refills", async () => {
    const reset = createMemoryReset();
    for (let i = 0; i < 10; i++) await reset.request("jane@example.com", "203.0.113.1");
    expect((await reset.request("jane@example.com", "203.0.113.1")).ok).toBe(false);
    expect((await reset.request("jane@example.com", "203.0.113.2")).ok).toBe(true);
    reset.clock.advance(60_000);
    expect((await reset.request("jane@example.com", "203.0.113.1")).ok).toBe(true);
  });

  it("is refused for an unknown or non-database connection, or an unknown client, recording nothing", async () => {
    const reset = createMemoryReset();
    await reset.repo.connections.add({ name: "google-oauth2", strategy: "google-oauth2" });
    const ask = (connection: string, clientId: string | null = null) =>
      reset.request("jane@example.com", "203.0.113.9", { connection, clientId });
    expect(await ask("nope")).toEqual({ ok: false, reason: "connection_not_found" });
    expect(await ask("google-oauth2")).toEqual({ ok: false, reason: "not_database_connection" });
    expect(await ask("Username-Password-Authentication", "no-such-client")).toEqual({
      ok: false,
      reason: "invalid_client",
    });
    expect(reset.repo.database.tables.resetRequests).toEqual([]);
    expect(reset.repo.database.tables.rateLimits.size).toBe(0);
  });
});
