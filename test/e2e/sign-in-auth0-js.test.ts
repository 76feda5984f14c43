import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { startTlsFront, type TlsFront } from "../support/tls-front.ts";

const PASSWORD = "correct horse battery staple";
const USER = { email: "browser@example.com", name: "Bea Browser" };
const AUTH0_JS = createRequire(import.meta.url).resolve("auth0-js/dist/auth0.min.js");

interface AppServer {
  origin: string;
  close(): Promise<void>;
}

/** An application's page on an origin of its own, loading auth0.js's browser bundle. */
async function serveApp(): Promise<AppServer> {
  const bundle = await readFile(AUTH0_JS);
  const server: Server = createServer((request, response) => {
    if (request.url === "/auth0.min.js") {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      response.end(bundle);
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end('<!doctype html><title>app</title><script src="/auth0.min.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What auth0.js hands its callback, kept to what survives the trip out of the page. */
type LoginOutcome =
  | { ok: true; result: Record<string, unknown> }
  | {
      ok: false;
      statusCode: number | null;
      code: string | null;
      description: string | null;
      crossDomain: boolean;
    };

interface Auth0JsError {
  statusCode?: number;
  code: string | null;
  description: string | null;
  original?: { crossDomain?: boolean };
}

interface Auth0Global {
  WebAuth: new (options: {
    domain: string;
    clientID: string;
  }) => {
    client: {
      login(
        options: { realm: string; username: string; password: string },
        callback: (error: Auth0JsError | null, result: Record<string, unknown>) => void,
      ): void;
    };
  };
}

/** The documented call: `new auth0.WebAuth({ domain, clientID }).client.login(…, cb)`. */
function loginWithAuth0Js(
  page: Page,
  options: { domain: string; clientID: string; username: string; password: string },
): Promise<LoginOutcome> {
  return page.evaluate(
    ({ domain, clientID, username, password, realm }) =>
      new Promise<LoginOutcome>((resolve) => {
        // Runs in the page, where the bundle defined `auth0`; the test has no DOM types.
        const { auth0 } = globalThis as unknown as { auth0: Auth0Global };
        new auth0.WebAuth({ domain, clientID }).client.login(
          { realm, username, password },
          (error, result) =>
            resolve(
              error
                ? {
                    ok: false,
                    statusCode: error.statusCode ?? null,
                    code: error.code,
                    description: error.description,
                    crossDomain: error.original?.crossDomain === true,
                  }
                : { ok: true, result },
            ),
        );
      }),
    { ...options, realm: DEFAULT_CONNECTION },
  );
}

describe.each(backends)("signing in with auth0.js in Chromium on %s", (backend) => {
  let listed: AppServer;
  let unlisted: AppServer;
  let front: TlsFront;
  let passdesk: TestPassdesk;
  let clientId: string;
  let browser: Browser;
  let context: BrowserContext;
  const pageErrors: string[] = [];
  const tokenRequests: Request[] = [];
  const tokenResponses: Array<{ status: number; headers: Record<string, string> }> = [];

  beforeAll(async () => {
    [listed, unlisted] = await Promise.all([serveApp(), serveApp()]);
    // auth0.js only builds https://${domain} URLs: Passdesk sits behind a TLS front.
    front = await startTlsFront(() => passdesk.port);
    passdesk = await startTestPassdesk(
      backend,
      { PUBLIC_URL: front.url },
      {
        async seed(repo) {
          await createTestUser(repo, USER.email, { name: USER.name, password: PASSWORD });
          // A public client (no secret), as a browser application is.
          clientId = (await repo.clients.add({ name: "Browser app", webOrigins: [listed.origin] }))
            .clientId;
        },
      },
    );
    browser = await launchChromium();
    // Chromium does not read NODE_EXTRA_CA_CERTS, and the front's certificate is self-signed:
    // a test browser may ignore certificate errors (Playwright's per-context equivalent of
    // --ignore-certificate-errors). What is under test is CORS and Auth0's API, not TLS.
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    context.on("weberror", (error) => pageErrors.push(error.error().message));
    context.on("request", (request) => {
      if (request.method() === "POST" && request.url() === `${front.url}/oauth/token`) {
        tokenRequests.push(request);
      }
    });
    context.on("response", (response) => {
      if (tokenRequests.includes(response.request())) {
        tokenResponses.push({ status: response.status(), headers: response.headers() });
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
    await passdesk?.close();
    await front?.close();
    await Promise.all([listed?.close(), unlisted?.close()]);
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
    tokenRequests.splice(0);
    tokenResponses.splice(0);
  });

  async function loginFrom(app: AppServer, password: string): Promise<LoginOutcome> {
    const page = await context.newPage();
    try {
      await page.goto(app.origin);
      return await loginWithAuth0Js(page, {
        domain: front.domain,
        clientID: clientId,
        username: USER.email,
        password,
      });
    } finally {
      await page.close();
    }
  }

  it("client.login with the right password hands the callback tokens that verify against the JWKS", async () => {
    const outcome = await loginFrom(listed, PASSWORD);
    if (!outcome.ok) expect.fail(`auth0.js reported ${JSON.stringify(outcome)}`);
    // auth0.js camel-cases the token response.
    expect(outcome.result).toMatchObject({
      accessToken: expect.any(String),
      idToken: expect.any(String),
      tokenType: "Bearer",
      expiresIn: 86400,
    });
    const jwks = createRemoteJWKSet(new URL(`${front.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(String(outcome.result.idToken), jwks, {
      issuer: `${front.url}/`,
      audience: clientId,
    });
    expect(payload).toMatchObject({ email: USER.email, name: USER.name });

    // What auth0.js sent: the password-realm grant from a public client, no secret.
    expect(tokenRequests).toHaveLength(1);
    const [sent] = tokenRequests;
    expect(sent?.postDataJSON()).toEqual({
      client_id: clientId,
      grant_type: "http://auth0.com/oauth/grant-type/password-realm",
      realm: DEFAULT_CONNECTION,
      username: USER.email,
      password: PASSWORD,
    });
    expect(sent?.headers()).toMatchObject({
      "content-type": "application/json",
      "auth0-client": expect.any(String),
    });
    expect(tokenResponses).toEqual([
      {
        status: 200,
        headers: expect.objectContaining({
          "access-control-allow-origin": listed.origin,
          "cache-control": "no-store",
        }),
      },
    ]);
  });

  it("client.login with a wrong password hands the callback Auth0's invalid_grant error", async () => {
    expect(await loginFrom(listed, "not the password")).toEqual({
      ok: false,
      statusCode: 403,
      code: "invalid_grant",
      description: "Wrong email or password.",
      crossDomain: false,
    });
  });

  it("from an origin no client lists, auth0.js gets no answer it can read", async () => {
    expect(await loginFrom(unlisted, PASSWORD)).toEqual({
      ok: false,
      statusCode: null,
      code: null,
      description: null,
      crossDomain: true,
    });
    // Refused at the preflight, so Chromium never sent the POST itself.
    expect(tokenRequests.map((request) => request.failure()?.errorText)).toEqual([
      "net::ERR_FAILED",
    ]);
    expect(tokenResponses).toEqual([]);
  });
});
