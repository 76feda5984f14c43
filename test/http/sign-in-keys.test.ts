import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD_REALM_GRANT } from "../../src/http/oauth/parse-token-request.ts";
import { runCli } from "../support/cli.ts";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { waitFor } from "../support/wait-for.ts";

/** A response's JSON body, read loosely: each test says what it expects of it. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary fields
const json = async (response: Response): Promise<any> => response.json();
/** Instances re-read the keys every 10 s: what they publish and sign with follows within that. */
const KEY_REFRESH_MILLIS = 15_000;

describe.each(backends)("signing keys rotated and revoked with the CLI on %s", (backend) => {
  let passdesk: TestPassdesk;
  let clientId: string;

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      backend,
      {},
      {
        async seed(repo) {
          await createTestUser(repo, "jane@example.com");
          clientId = (await repo.clients.add({ name: "App", webOrigins: [] })).clientId;
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
  });

  async function idToken(): Promise<string> {
    const response = await fetch(`${passdesk.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: PASSWORD_REALM_GRANT,
        client_id: clientId,
        username: "jane@example.com",
        password: "correct horse battery staple",
        realm: DEFAULT_CONNECTION,
      }),
    });
    expect(response.status).toBe(200);
    return (await json(response)).id_token;
  }
  const publishedKeys = async (): Promise<JWK[]> =>
    (await json(await fetch(`${passdesk.url}/.well-known/jwks.json`))).keys;
  const verifies = async (token: string) => {
    try {
      await jwtVerify(token, createLocalJWKSet({ keys: await publishedKeys() }), {
        issuer: "https://passdesk.example.com/",
        audience: clientId,
      });
      return true;
    } catch {
      return false;
    }
  };
  const passdeskCli = (...args: string[]) => runCli(passdesk.database.env, args);

  it("verifies tokens before and after a rotation, and stops at a revocation", async () => {
    const before = await idToken();
    const oldKid = decodeProtectedHeader(before).kid;
    expect(await verifies(before)).toBe(true);

    const rotated = await passdeskCli("keys", "rotate");
    expect(rotated.code).toBe(0);
    const newKid = rotated.stdout.split("\n")[0]?.replace("current key: ", "");
    await waitFor(
      async () => (await publishedKeys()).length === 2,
      KEY_REFRESH_MILLIS,
      "the new key published",
    );
    expect(await verifies(before)).toBe(true);
    await waitFor(
      async () => decodeProtectedHeader(await idToken()).kid === newKid,
      KEY_REFRESH_MILLIS,
      "tokens signed with the new key",
    );
    const after = await idToken();
    expect(await verifies(after)).toBe(true);

    expect((await passdeskCli("keys", "revoke", String(oldKid))).code).toBe(0);
    await waitFor(
      async () => !(await verifies(before)),
      KEY_REFRESH_MILLIS,
      "the revoked key withdrawn",
    );
    expect((await publishedKeys()).map((key) => key.kid)).toEqual([newKid]);
    expect(await verifies(after)).toBe(true);
  });
});
