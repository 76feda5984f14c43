import bcrypt from "bcryptjs";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD_REALM_GRANT } from "../../src/http/oauth/parse-token-request.ts";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { createClientSecret } from "../../src/sign-in/authenticate-client.ts";
import { runCli } from "../support/cli.ts";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

/** A response's JSON body, read loosely: each test says what it expects of it. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary fields
const json = async (response: Response): Promise<any> => response.json();
const PASSWORD = "correct horse battery staple";
const ORIGIN = "https://app.example.com";

describe.each(backends)("POST /oauth/token on %s", (backend) => {
  let passdesk: TestPassdesk;
  let publicClient: string;
  let confidentialClient: string;
  const { secret, secretHash } = createClientSecret();

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      backend,
      { TRUST_PROXY: "1" },
      {
        async seed(repo) {
          await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
          const blocked = await createTestUser(repo, "blocked@example.com");
          await repo.users.setBlocked(blocked.id, true);
          await repo.connections.add({ name: "other-db", strategy: "database" });
          await createTestUser(repo, "other@example.com", { connection: "other-db" });
          publicClient = (await repo.clients.add({ name: "SPA", webOrigins: [ORIGIN] })).clientId;
          confidentialClient = (
            await repo.clients.add({ name: "Server", webOrigins: [], secretHash })
          ).clientId;
          await repo.apis.add({ identifier: "https://api.example.com", name: "API" });
          const connection = await repo.connections.findByName(DEFAULT_CONNECTION);
          await repo.users.add(connection?.id ?? 0, {
            email: "imported@example.com",
            passwordHash: bcrypt.hashSync(PASSWORD, 4).replace(/^\$2a\$/, "$2y$"),
          });
          await repo.users.add(connection?.id ?? 0, {
            email: "argon2-params@example.com",
            passwordHash: await createArgon2Hasher({
              memoryCost: 2048,
              timeCost: 2,
              parallelism: 1,
            }).hash(PASSWORD),
          });
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
  });

  // Each test from its own address: brute-force counts are per email and IP.
  let ipCounter = 0;
  function post(body: unknown, headers: Record<string, string> = {}, path = "/oauth/token") {
    ipCounter += 1;
    return fetch(`${passdesk.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": `198.51.100.${ipCounter}`,
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
  const signIn = (fields: Record<string, unknown> = {}) =>
    post({
      grant_type: PASSWORD_REALM_GRANT,
      client_id: publicClient,
      username: "jane@example.com",
      password: PASSWORD,
      realm: DEFAULT_CONNECTION,
      ...fields,
    });

  it("answers tokens as Auth0 does, never to be cached", async () => {
    const response = await signIn({ scope: "openid profile email offline_access" });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(
      ["access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"].sort(),
    );
    const keys = await json(await fetch(`${passdesk.url}/.well-known/jwks.json`));
    expect(keys.keys[0]).not.toHaveProperty("d");
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(keys), {
      issuer: "https://passdesk.example.com/",
      audience: publicClient,
    });
    expect(payload.sub).toMatch(/^auth0\|\d+$/);
  });

  it("takes the password grant on DEFAULT_CONNECTION, form-encoded, with the secret", async () => {
    const form = new URLSearchParams({
      grant_type: "password",
      client_id: confidentialClient,
      client_secret: secret,
      username: "Jane@Example.com",
      password: PASSWORD,
      audience: "https://api.example.com",
    });
    const response = await post(form.toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(200);
    const { access_token } = await json(response);
    expect(decodeJwt(access_token).aud).toEqual([
      "https://api.example.com",
      "https://passdesk.example.com/userinfo",
    ]);
  });

  it("gives one answer for a wrong password, an unknown email and another connection's user", async () => {
    const answers = await Promise.all([
      signIn({ password: "wrong password" }),
      signIn({ username: "nobody@example.com" }),
      signIn({ username: "other@example.com" }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(await json(answer)).toEqual({
        error: "invalid_grant",
        error_description: "Wrong email or password.",
      });
    }
  });

  it("signs in with an imported bcrypt or other-argon2 hash and rehashes it silently", async () => {
    for (const email of ["imported@example.com", "argon2-params@example.com"]) {
      expect((await signIn({ username: email, password: "wrong" })).status).toBe(403);
      expect((await signIn({ username: email })).status).toBe(200);
      expect((await signIn({ username: email })).status).toBe(200);
    }
    // Read beside the running server (on PGlite only through its socket): the first sign-in of
    // each rehashed, the second found a current hash.
    const audit = await runCli(passdesk.database.env, ["audit", "tail", "-n", "6"]);
    const signIns = audit.stdout
      .split("\n")
      .filter((line) => line.includes("  sign_in  succeeded"))
      .map((line) => [
        line.includes("imported@") ? "bcrypt" : "argon2",
        line.includes('"rehashed":true'),
      ]);
    expect(signIns).toEqual([
      ["bcrypt", true],
      ["bcrypt", false],
      ["argon2", true],
      ["argon2", false],
    ]);
  });

  it("tells a blocked user so only with the right password", async () => {
    const wrong = await signIn({ username: "blocked@example.com", password: "nope" });
    expect(wrong.status).toBe(403);
    const right = await signIn({ username: "blocked@example.com" });
    expect(right.status).toBe(401);
    expect(await json(right)).toEqual({
      error: "unauthorized",
      error_description: "user is blocked",
    });
  });

  it("refuses client problems and bad requests with Auth0's codes, never a 500", async () => {
    const cases: Array<[Record<string, unknown> | string, number, string]> = [
      [{ client_id: "nope" }, 401, "access_denied"],
      [{ client_id: confidentialClient }, 401, "access_denied"],
      [{ client_id: confidentialClient, client_secret: "wrong" }, 401, "access_denied"],
      [{ client_id: undefined }, 400, "invalid_request"],
      [{ grant_type: "client_credentials" }, 400, "unsupported_grant_type"],
      [{ password: ["a", "b"] }, 400, "invalid_request"],
      [{ username: "a\u0000b@example.com" }, 400, "invalid_request"],
      [{ realm: undefined }, 400, "invalid_request"],
      [{ realm: "no-such-connection" }, 400, "invalid_request"],
      [{ audience: "https://unregistered.example.com" }, 403, "access_denied"],
      [{ password: "x".repeat(5000) }, 400, "invalid_request"],
    ];
    for (const [fields, status, error] of cases) {
      const response = await signIn(fields as Record<string, unknown>);
      expect([fields, response.status]).toEqual([fields, status]);
      expect((await json(response)).error).toBe(error);
    }
    expect((await post("{not json")).status).toBe(400);
    expect((await post("a", { "content-type": "text/plain" })).status).toBe(415);
    expect((await post({ x: "y".repeat(20_000) })).status).toBe(413);
    expect((await post('{"grant_type":"password","client_id":"\\ud800"}')).status).toBe(400);
  });

  it("lets registered origins call it from a browser, and no other", async () => {
    const preflight = (origin: string) =>
      fetch(`${passdesk.url}/oauth/token`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,auth0-client",
        },
      });
    const listed = await preflight(ORIGIN);
    expect(listed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const other = await preflight("https://evil.example.com");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const response = await signIn({}).then(() =>
      post(
        {
          grant_type: PASSWORD_REALM_GRANT,
          client_id: publicClient,
          username: "jane@example.com",
          password: PASSWORD,
          realm: DEFAULT_CONNECTION,
        },
        { origin: ORIGIN },
      ),
    );
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("rotates refresh tokens, revokes a family on reuse and on /oauth/revoke", async () => {
    const first = await json(await signIn({ scope: "openid offline_access" }));
    const refresh = (token: string) =>
      post({ grant_type: "refresh_token", client_id: publicClient, refresh_token: token });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    const { refresh_token: next } = await json(second);
    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(403);
    expect(await json(reused)).toEqual({
      error: "invalid_grant",
      error_description: "Unknown or invalid refresh token.",
    });
    expect((await refresh(next)).status).toBe(403);

    const third = await json(await signIn({ scope: "openid offline_access" }));
    const revoked = await post(
      { client_id: publicClient, token: third.refresh_token },
      {},
      "/oauth/revoke",
    );
    expect(revoked.status).toBe(200);
    expect((await refresh(third.refresh_token)).status).toBe(403);
    const unknown = await post({ client_id: publicClient, token: "unknown" }, {}, "/oauth/revoke");
    expect(unknown.status).toBe(200);
    const badClient = await post({ client_id: "nope", token: "x" }, {}, "/oauth/revoke");
    expect(badClient.status).toBe(401);
  });

  it("serves discovery and /userinfo", async () => {
    const discovery = await (
      await fetch(`${passdesk.url}/.well-known/openid-configuration`)
    ).json();
    expect(discovery).toMatchObject({
      issuer: "https://passdesk.example.com/",
      token_endpoint: "https://passdesk.example.com/oauth/token",
      jwks_uri: "https://passdesk.example.com/.well-known/jwks.json",
    });
    const { access_token } = await json(await signIn({ scope: "openid email" }));
    const info = await fetch(`${passdesk.url}/userinfo`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await json(info)).toEqual({
      sub: expect.stringMatching(/^auth0\|/),
      email: "jane@example.com",
      email_verified: false,
    });
    const forged = await fetch(`${passdesk.url}/userinfo`, {
      headers: { authorization: `Bearer ${access_token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    expect((await fetch(`${passdesk.url}/userinfo`)).status).toBe(401);
  });
});
