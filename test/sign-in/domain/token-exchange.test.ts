import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { exchangeToken, type TokenRequest } from "../../../src/sign-in/exchange-token.ts";
import { createManualClock } from "../../support/clock.ts";
import { createMemoryStores, DEFAULT_CONNECTION_NAME } from "../../support/memory/stores.ts";
import { createPlainHasher } from "../../support/plain-hasher.ts";
import {
  createMemoryTokenExchange,
  createRecordingGuard,
  TEST_TOKEN_SETTINGS,
} from "../../support/sign-in.ts";

const PASSWORD = "correct horse battery staple";

async function setUp() {
  const clock = createManualClock(new Date("2026-12-01T10:00:00Z"));
  const plain = createPlainHasher();
  // "legacy:" stands in for an imported bcrypt hash: it verifies, and asks to be replaced.
  const hasher = {
    ...plain,
    verify: async (hash: string, password: string) =>
      hash === `legacy:${password}` || (await plain.verify(hash, password)),
    needsRehash: (hash: string) => hash.startsWith("legacy:"),
  };
  const repo = createMemoryStores({ clock, hasher });
  const guard = createRecordingGuard();
  const deps = await createMemoryTokenExchange(repo, { clock, hasher, guard });
  const connection = await repo.connections.findByName(DEFAULT_CONNECTION_NAME);
  if (!connection) throw new Error("no default connection");
  const user = await repo.users.add(connection.id, {
    email: "jane@example.com",
    name: "Jane Doe",
    givenName: "Jane",
    emailVerified: true,
    passwordHash: await hasher.hash(PASSWORD),
  });
  if (!user) throw new Error("user not added");
  const client = await repo.clients.add({ name: "App", webOrigins: [] });
  const signIn = (request: Partial<TokenRequest> & Record<string, unknown> = {}) =>
    exchangeToken(deps, {
      grantType: "password",
      clientId: client.clientId,
      clientSecret: null,
      username: "jane@example.com",
      password: PASSWORD,
      realm: DEFAULT_CONNECTION_NAME,
      scope: "openid profile email offline_access",
      audience: null,
      ip: "203.0.113.7",
      ...request,
    } as TokenRequest & { ip: string });
  const verify = async (token: string, audience: string) =>
    jwtVerify(token, createLocalJWKSet({ keys: await deps.keyRing.publicKeys() }), {
      issuer: TEST_TOKEN_SETTINGS.issuer,
      audience,
      currentDate: clock.now(),
    });
  return { clock, hasher, repo, guard, deps, user, client, signIn, verify };
}

describe("the password grant", () => {
  it("issues an id token with the user's claims, an access token and a refresh token", async () => {
    const { signIn, verify, client, user, repo } = await setUp();
    const outcome = await signIn();
    if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
    const { tokens } = outcome;
    expect(tokens).toMatchObject({
      token_type: "Bearer",
      expires_in: 86400,
      scope: "openid profile email offline_access",
    });
    const { payload: id } = await verify(tokens.id_token ?? "", client.clientId);
    expect(id).toMatchObject({
      sub: `auth0|${user.id}`,
      email: "jane@example.com",
      email_verified: true,
      name: "Jane Doe",
      given_name: "Jane",
      nickname: "jane",
    });
    expect((id.exp ?? 0) - (id.iat ?? 0)).toBe(36000);
    const { payload: access } = await verify(
      tokens.access_token,
      TEST_TOKEN_SETTINGS.userinfoAudience,
    );
    expect(access).toMatchObject({ azp: client.clientId, gty: "password" });
    expect(tokens.refresh_token).toMatch(/^[\w-]{43}$/);
    expect(await repo.audit.tail(1)).toMatchObject([
      { action: "sign_in", outcome: "succeeded", details: { logType: "s" } },
    ]);
  });

  it("grants only the scopes asked for, openid profile email when none are", async () => {
    const { signIn } = await setUp();
    const emailOnly = await signIn({ scope: "openid email read:things" });
    expect(emailOnly).toMatchObject({ ok: true, tokens: { scope: "openid email" } });
    const unnamed = await signIn({ scope: null });
    expect(unnamed).toMatchObject({ ok: true, tokens: { scope: "openid profile email" } });
    if (!unnamed.ok) return;
    expect(unnamed.tokens.refresh_token).toBeUndefined();
    const idClaims = decodeJwt(emailOnly.ok ? (emailOnly.tokens.id_token ?? "") : "");
    expect(idClaims.name).toBeUndefined();
    expect(idClaims.email).toBe("jane@example.com");
  });

  it("answers a wrong password, an unknown user and another connection's user alike", async () => {
    const { signIn, repo, guard } = await setUp();
    const other = await repo.connections.add({ name: "Other", strategy: "database" });
    const outcomes = [
      await signIn({ password: "not the password" }),
      await signIn({ username: "nobody@example.com" }),
      await signIn({ realm: other?.name ?? "" }),
      await signIn({ username: "not an email" }),
    ];
    for (const outcome of outcomes)
      expect(outcome).toEqual({ ok: false, reason: "wrong_credentials" });
    expect(guard.calls.filter((call) => call.step === "failed")).toHaveLength(4);
    const logTypes = (await repo.audit.tail(4)).map((entry) => entry.details.logType);
    expect(logTypes).toEqual(["fp", "fu", "fu", "fu"]);
  });

  it("tells a blocked user so only after the right password", async () => {
    const { signIn, repo, user } = await setUp();
    await repo.users.setBlocked(user.id, true);
    expect(await signIn({ password: "wrong" })).toMatchObject({ reason: "wrong_credentials" });
    expect(await signIn()).toMatchObject({ ok: false, reason: "user_blocked" });
  });

  it("refuses an unregistered audience and names a registered API in the access token", async () => {
    const { signIn, repo, verify } = await setUp();
    expect(await signIn({ audience: "https://api.example.com" })).toMatchObject({
      reason: "unknown_audience",
    });
    await repo.apis.add({ identifier: "https://api.example.com", name: "API" });
    const outcome = await signIn({ audience: "https://api.example.com" });
    if (!outcome.ok) throw new Error("refused");
    const { payload } = await verify(outcome.tokens.access_token, "https://api.example.com");
    expect(payload.aud).toEqual(["https://api.example.com", TEST_TOKEN_SETTINGS.userinfoAudience]);
  });

  it("authenticates a confidential client by its secret", async () => {
    const { signIn, repo } = await setUp();
    const { createClientSecret } = await import("../../../src/sign-in/authenticate-client.ts");
    const { secret, secretHash } = createClientSecret();
    const confidential = await repo.clients.add({ name: "Server", webOrigins: [], secretHash });
    const as = (clientSecret: string | null) =>
      signIn({ clientId: confidential.clientId, clientSecret });
    expect(await as(null)).toEqual({ ok: false, reason: "invalid_client" });
    expect(await as(`${secret}x`)).toEqual({ ok: false, reason: "invalid_client" });
    expect((await as(secret)).ok).toBe(true);
    expect(await signIn({ clientId: "unknown" })).toEqual({ ok: false, reason: "invalid_client" });
  });

  it("rehashes an imported hash on success, without touching the password history", async () => {
    const { signIn, repo, user, hasher } = await setUp();
    const current = await hasher.hash(PASSWORD);
    await repo.users.replacePasswordHash(user.id, current, `legacy:${PASSWORD}`);
    const history = await repo.users.recentPasswordHashes(user.id, 5);
    expect((await signIn({ password: "wrong" })).ok).toBe(false);
    expect((await repo.users.findById(user.id))?.passwordHash).toBe(`legacy:${PASSWORD}`);
    expect((await signIn()).ok).toBe(true);
    expect((await repo.users.findById(user.id))?.passwordHash).toBe(current);
    expect(await repo.users.recentPasswordHashes(user.id, 5)).toEqual([
      current,
      ...history.slice(1),
    ]);
    expect((await repo.audit.tail(1))[0]?.details).toMatchObject({ logType: "s", rehashed: true });
  });
});

describe("refresh tokens", () => {
  it("rotate on every use and a reused one revokes its whole family", async () => {
    const { signIn, deps, client } = await setUp();
    const first = await signIn();
    if (!first.ok) throw new Error("refused");
    const refresh = (token: string | undefined) =>
      exchangeToken(deps, {
        grantType: "refresh_token",
        refreshToken: token ?? "",
        clientId: client.clientId,
        clientSecret: null,
        scope: null,
        audience: null,
        ip: "203.0.113.7",
      });
    const second = await refresh(first.tokens.refresh_token);
    if (!second.ok) throw new Error("refresh refused");
    expect(second.tokens.refresh_token).not.toBe(first.tokens.refresh_token);
    expect(second.tokens.id_token).toBeDefined();
    // The first token again: a thief's copy. The family goes, the user's newer token with it.
    expect(await refresh(first.tokens.refresh_token)).toEqual({
      ok: false,
      reason: "invalid_refresh_token",
    });
    expect(await refresh(second.tokens.refresh_token)).toMatchObject({ ok: false });
    expect(await refresh("made-up")).toMatchObject({ ok: false, reason: "invalid_refresh_token" });
  });
});
