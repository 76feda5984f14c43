import { AuthenticationClient, UserInfoClient } from "auth0";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientSecret } from "../../src/sign-in/authenticate-client.ts";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { startTlsFront, type TlsFront } from "../support/tls-front.ts";

const PASSWORD = "correct horse battery staple";

/** node-auth0, as an application's server would use it, pointed at Passdesk behind TLS. */
describe.each(backends)("signing in with node-auth0 on %s", (backend) => {
  let passdesk: TestPassdesk;
  let front: TlsFront;
  let clientId: string;
  const { secret, secretHash } = createClientSecret();

  beforeAll(async () => {
    front = await startTlsFront(() => passdesk.port);
    passdesk = await startTestPassdesk(
      backend,
      { PUBLIC_URL: front.url },
      {
        async seed(repo) {
          await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
          clientId = (await repo.clients.add({ name: "Server app", webOrigins: [], secretHash }))
            .clientId;
          await repo.connections.setSignup(DEFAULT_CONNECTION, "open");
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
    await front?.close();
  });

  const auth0 = () =>
    new AuthenticationClient({ domain: front.domain, clientId, clientSecret: secret });

  it("passwordGrant with a realm returns tokens that the SDK validated itself", async () => {
    const { data, status } = await auth0().oauth.passwordGrant({
      username: "jane@example.com",
      password: PASSWORD,
      realm: DEFAULT_CONNECTION,
      scope: "openid profile email offline_access",
    });
    expect(status).toBe(200);
    expect(data).toMatchObject({ token_type: "Bearer", expires_in: 86400 });
    expect(data.refresh_token).toBeDefined();
    const jwks = createRemoteJWKSet(new URL(`${front.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(data.id_token ?? "", jwks, {
      issuer: `${front.url}/`,
      audience: clientId,
    });
    expect(payload).toMatchObject({ email: "jane@example.com", name: "Jane Doe" });

    const userInfo = new UserInfoClient({ domain: front.domain });
    const { data: claims } = await userInfo.getUserInfo(data.access_token);
    expect(claims).toMatchObject({ sub: payload.sub, email: "jane@example.com", name: "Jane Doe" });

    const refreshed = await auth0().oauth.refreshTokenGrant({
      refresh_token: data.refresh_token ?? "",
    });
    expect(refreshed.data.refresh_token).not.toBe(data.refresh_token);
  });

  it("a wrong password surfaces Auth0's invalid_grant error", async () => {
    const attempt = auth0().oauth.passwordGrant({
      username: "jane@example.com",
      password: "not the password",
      realm: DEFAULT_CONNECTION,
    });
    await expect(attempt).rejects.toMatchObject({
      statusCode: 403,
      error: "invalid_grant",
      error_description: "Wrong email or password.",
    });
  });

  it("database.signUp creates a user who then signs in; an existing one gets user_exists", async () => {
    const { data } = await auth0().database.signUp({
      email: "new@example.com",
      password: "violet horizon marmalade tractor",
      connection: DEFAULT_CONNECTION,
      given_name: "New",
    });
    expect(data).toMatchObject({
      email: "new@example.com",
      email_verified: false,
      given_name: "New",
    });
    const { data: tokens } = await auth0().oauth.passwordGrant({
      username: "new@example.com",
      password: "violet horizon marmalade tractor",
      realm: DEFAULT_CONNECTION,
    });
    expect(tokens.id_token).toBeDefined();
    const again = auth0().database.signUp({
      email: "new@example.com",
      password: "lantern quarry pebble orchestra",
      connection: DEFAULT_CONNECTION,
    });
    await expect(again).rejects.toMatchObject({ statusCode: 400 });
  });

  it("a wrong client secret is refused", async () => {
    const client = new AuthenticationClient({
      domain: front.domain,
      clientId,
      clientSecret: `${secret}-not`,
    });
    const attempt = client.oauth.passwordGrant({
      username: "jane@example.com",
      password: PASSWORD,
      realm: DEFAULT_CONNECTION,
    });
    await expect(attempt).rejects.toMatchObject({ statusCode: 401, error: "access_denied" });
  });
});
