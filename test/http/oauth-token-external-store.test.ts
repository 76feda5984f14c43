import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD_REALM_GRANT } from "../../src/http/oauth/parse-token-request.ts";
import { backends } from "../support/database.ts";
import {
  type AppStore,
  addStoreConnection,
  listStoreKinds,
  STORE_CONNECTION,
  type StoreKind,
} from "../support/external-store-fixture.ts";
import { createMemoryMailer, type MemoryMailer } from "../support/memory-mailer.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createRecordingLogger } from "../support/slack-passdesk.ts";
import { waitFor } from "../support/wait-for.ts";

/*
 * `POST /oauth/token` (Auth0's password-realm grant) on a connection whose users live in the
 * organisation's own store: the app's current password signs in (the app's bcrypt hash checked by
 * Passdesk, or the HTTP store's verify_password when it gives no hash), a wrong password and an
 * unknown email get the same 403, brute-force protection blocks after the connection's default
 * 10 failures, the app's own ban flag refuses the right password with 401, and a store that
 * cannot be reached gets a clear 503 — never a 500.
 */

/** A response's JSON body, read loosely: each test says what it expects of it. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary fields
const json = async (response: Response): Promise<any> => response.json();
const PASSWORD = "old horse battery staple";
const WRONG = { error: "invalid_grant", error_description: "Wrong email or password." };
const ORIGIN = "https://app.example.com";

const kinds = await listStoreKinds();
for (const kind of kinds) {
  if (kind.skip) console.warn(`oauth-token external-store: ${kind.name} skipped: ${kind.skip}`);
}

for (const backend of backends) {
  for (const kind of kinds) {
    const skipped = kind.skip ? ` (skipped: ${kind.skip})` : "";
    describe.skipIf(kind.skip !== undefined)(
      `POST /oauth/token on a ${kind.name}, Passdesk on ${backend}${skipped}`,
      () => defineSignIn(backend, kind),
    );
  }
}

function defineSignIn(backend: (typeof backends)[number], kind: StoreKind) {
  const user = (label: string) => `${label}.${kind.slug}@example.com`;
  const JANE = user("jane");
  const JOHN = user("john");
  const BANNED = user("banned");
  const HAMMERED = user("hammered");
  const log = createRecordingLogger();
  let app: AppStore;
  let mailer: MemoryMailer;
  let passdesk: TestPassdesk;
  let publicClient: string;

  beforeAll(async () => {
    app = await kind.open();
    await app.addUser({ email: JANE, password: PASSWORD, name: "Jane Appleseed" });
    await app.addUser({ email: JOHN, password: PASSWORD, name: "John Appleseed" });
    await app.addUser({ email: BANNED, password: PASSWORD, name: "Ban Ned", blocked: true });
    await app.addUser({ email: HAMMERED, password: PASSWORD, name: "Ham Mered" });
    mailer = createMemoryMailer();
    passdesk = await startTestPassdesk(
      backend,
      { TRUST_PROXY: "1" },
      {
        mailer,
        env: app.env,
        logger: log.logger,
        async seed(repo) {
          await addStoreConnection(repo, app.store);
          publicClient = (await repo.clients.add({ name: "SPA", webOrigins: [ORIGIN] })).clientId;
        },
      },
    );
  });

  afterAll(async () => {
    await passdesk?.close();
    await app?.close();
  });

  afterEach(async () => {
    app.server?.reset();
    await app.up();
  });

  // Each request from its own address unless told: brute-force counts are per email and IP.
  let ipCounter = 0;
  function signIn(fields: Record<string, unknown> = {}, ip?: string) {
    ipCounter += 1;
    return fetch(`${passdesk.url}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": ip ?? `198.51.100.${ipCounter}`,
      },
      body: JSON.stringify({
        grant_type: PASSWORD_REALM_GRANT,
        client_id: publicClient,
        username: JANE,
        password: PASSWORD,
        realm: STORE_CONNECTION,
        scope: "openid profile email",
        ...fields,
      }),
    });
  }

  const verifyPasswordCalls = () =>
    app.server?.calls.filter((call) => call.path.endsWith("/verify_password")).length ?? 0;

  async function subjectOf(response: Response): Promise<string> {
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(
      ["access_token", "expires_in", "id_token", "scope", "token_type"].sort(),
    );
    const keys = await json(await fetch(`${passdesk.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(keys), {
      issuer: "https://passdesk.example.com/",
      audience: publicClient,
    });
    expect(decodeJwt(body.access_token).sub).toBe(payload.sub);
    const info = await json(
      await fetch(`${passdesk.url}/userinfo`, {
        headers: { authorization: `Bearer ${body.access_token}` },
      }),
    );
    expect(info.sub).toBe(payload.sub);
    return String(payload.sub);
  }

  it("signs in with the app's current password: tokens whose sub is the app's user, with the app's profile", async () => {
    const response = await signIn({ username: JANE.toUpperCase() });
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await json(response.clone());
    const sub = await subjectOf(response);
    expect(sub).toMatch(/^auth0\|\d+$/);
    expect(decodeJwt(body.id_token)).toMatchObject({
      sub,
      email: JANE,
      email_verified: true,
      name: "Jane Appleseed",
    });
    // The same user every time, another user another subject.
    expect(await subjectOf(await signIn())).toBe(sub);
    const john = await subjectOf(await signIn({ username: JOHN }));
    expect(john).not.toBe(sub);
    if (app.server) {
      // The store gave its hash: Passdesk checked it and never asked verify_password.
      expect(verifyPasswordCalls()).toBe(0);
    }
  });

  it.runIf(kind.http)(
    "signs in through verify_password when the HTTP store gives no password_hash",
    async () => {
      const server = app.server;
      if (!server) throw new Error("no HTTP store server");
      server.returnPasswordHash = false;
      const sub = await subjectOf(await signIn());
      expect(sub).toMatch(/^auth0\|\d+$/);
      expect(verifyPasswordCalls()).toBe(1);
      const wrong = await signIn({ password: "not the password at all" });
      expect(wrong.status).toBe(403);
      expect(await json(wrong)).toEqual(WRONG);
      expect(verifyPasswordCalls()).toBe(2);
      const unknown = await signIn({ username: user("nobody") });
      expect(unknown.status).toBe(403);
      expect(await json(unknown)).toEqual(WRONG);
    },
  );

  it("gives one answer, 403 invalid_grant, for a wrong password and an unknown email", async () => {
    const answers = await Promise.all([
      signIn({ password: "not the password at all" }),
      signIn({ username: user("nobody") }),
      signIn({ username: user("nobody"), password: "not the password at all" }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(await json(answer)).toEqual(WRONG);
    }
  });

  it("blocks after the connection's 10 failures from one address: 429 too_many_attempts, even for the right password", async () => {
    const ip = "203.0.113.77";
    for (let attempt = 1; attempt <= 10; attempt++) {
      const failed = await signIn({ username: HAMMERED, password: `wrong guess ${attempt}` }, ip);
      expect([attempt, failed.status]).toEqual([attempt, 403]);
    }
    for (const password of ["wrong guess 11", PASSWORD]) {
      const refused = await signIn({ username: HAMMERED, password }, ip);
      expect(refused.status).toBe(429);
      expect(await json(refused)).toMatchObject({ error: "too_many_attempts" });
    }
    // From another address the user still signs in (count_per_identifier_and_ip).
    expect((await signIn({ username: HAMMERED })).status).toBe(200);
    // The app's user is told, at the address the app's store holds.
    await waitFor(
      () =>
        mailer.sent.some((email) => email.to === HAMMERED && /Failed sign-in/.test(email.subject)),
      10_000,
      "the blocked-account email",
    );
  });

  it("refuses a user the app has banned with 401 after the right password, 403 with a wrong one", async () => {
    const wrong = await signIn({ username: BANNED, password: "not the password at all" });
    expect(wrong.status).toBe(403);
    expect(await json(wrong)).toEqual(WRONG);
    const right = await signIn({ username: BANNED });
    expect(right.status).toBe(401);
    expect(await json(right)).toEqual({
      error: "unauthorized",
      error_description: "user is blocked",
    });
  });

  it("answers a clear 503 while the store is down, never a 500, and signs in once it is back", async () => {
    await app.down();
    const logged = log.lines.length;
    const response = await signIn();
    const text = await response.text();
    expect({ status: response.status, body: text }).toEqual({
      status: 503,
      body: JSON.stringify({
        error: "temporarily_unavailable",
        error_description: "The service is temporarily unavailable. Please try again.",
      }),
    });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(text).not.toMatch(/ at |Error|stack/);
    // The reason is in the log, without the store's URL or secret.
    const lines = log.lines.slice(logged).join("\n");
    expect(lines).toContain("is unavailable");
    for (const secret of Object.values(app.env)) expect(lines).not.toContain(secret);

    await app.up();
    expect((await signIn()).status).toBe(200);
  });
}
