import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/database.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

const PASSWORD = "a long enough passphrase";
const ORIGIN = "https://app.example.com";

describe.each(backends)("POST /dbconnections/signup on %s", (backend) => {
  let passdesk: TestPassdesk;
  let clientId: string;

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      backend,
      {
        TRUST_PROXY: "1",
        SIGNUP_RATE_LIMIT_PER_IP_BURST: "3",
        SIGNUP_RATE_LIMIT_PER_IP_PER_MINUTE: "1",
      },
      {
        async seed(repo) {
          await repo.connections.setSignup(DEFAULT_CONNECTION, "open");
          await repo.connections.add({ name: "closed-db", strategy: "database" });
          await repo.connections.add({
            name: "fair-db",
            strategy: "database",
            signup: "open",
            policy: { level: "fair", minLength: 8, dictionary: false },
          });
          await repo.connections.add({
            name: "excellent-db",
            strategy: "database",
            signup: "open",
            policy: { level: "excellent", minLength: 1, dictionary: false },
          });
          await repo.connections.add({ name: "google", strategy: "google-oauth2", signup: "open" });
          clientId = (await repo.clients.add({ name: "Web", webOrigins: [ORIGIN] })).clientId;
        },
      },
    );
  });
  afterAll(() => passdesk?.close());

  let ipCounter = 0;
  function post(body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${passdesk.url}/dbconnections/signup`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": `198.51.100.${++ipCounter % 250}`,
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
  const signup = (fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post(
      { client_id: clientId, connection: DEFAULT_CONNECTION, password: PASSWORD, ...fields },
      headers,
    );

  it("creates the user and answers 200 with Auth0's fields, only those given", async () => {
    const response = await signup({
      email: "Nora.Vale@Example.com",
      username: "nvale",
      given_name: "Nora",
      family_name: "Vale",
      name: "Nora Vale",
      nickname: "nv",
      picture: "https://example.com/nv.png",
      user_metadata: { plan: "gold", locale: "fr" },
      phone_number: "+15555550100",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      _id: expect.stringMatching(/^\d+$/),
      email_verified: false,
      email: "nora.vale@example.com",
      username: "nvale",
      given_name: "Nora",
      family_name: "Vale",
      name: "Nora Vale",
      nickname: "nv",
      picture: "https://example.com/nv.png",
      user_metadata: { plan: "gold", locale: "fr" },
    });
    const { repo, handle } = await passdesk.database.open({ throughRunningServer: true });
    try {
      const user = await repo.users.findById(Number(body._id));
      expect(user).toMatchObject({ email: "nora.vale@example.com", emailVerified: false });
      expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await repo.users.recentPasswordHashes(Number(body._id), 5)).toHaveLength(1);
      const audit = (await repo.audit.tail(50)).filter((row) => row.action === "signup");
      expect(audit.at(-1)).toMatchObject({
        actorType: "public",
        outcome: "success",
        details: { logType: "ss" },
      });
      expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    } finally {
      await handle.close();
    }
  });

  it("answers with only _id, email_verified and email when nothing else is given, from a form too", async () => {
    const form = new URLSearchParams({
      client_id: clientId,
      connection: DEFAULT_CONNECTION,
      email: "plain@example.com",
      password: PASSWORD,
    });
    const response = await post(form.toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      _id: expect.any(String),
      email_verified: false,
      email: "plain@example.com",
    });
  });

  it("answers Auth0's user_exists for a taken email", async () => {
    expect((await signup({ email: "taken@example.com" })).status).toBe(200);
    const again = await signup({ email: "TAKEN@example.com" });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      name: "BadRequestError",
      code: "user_exists",
      description: "The user already exists.",
      statusCode: 400,
    });
  });

  it("answers Auth0's PasswordStrengthError naming the rules, verified or not", async () => {
    const short = await signup({ email: "short@example.com", password: "Vq7#xLp2mT" });
    expect(short.status).toBe(400);
    expect(await short.json()).toEqual({
      name: "PasswordStrengthError",
      message: "Password is too weak",
      code: "invalid_password",
      description: {
        rules: [
          {
            message: "At least %d characters in length",
            format: [15],
            code: "lengthAtLeast",
            verified: false,
          },
        ],
        verified: false,
      },
      policy: "* At least 15 characters in length",
      statusCode: 400,
    });

    const excellent = await signup({
      email: "excellent@example.com",
      connection: "excellent-db",
      password: "aaaa bbbb cccc",
    });
    expect(await excellent.json()).toEqual({
      name: "PasswordStrengthError",
      message: "Password is too weak",
      code: "invalid_password",
      description: {
        rules: [
          {
            message: "At least %d characters in length",
            format: [10],
            code: "lengthAtLeast",
            verified: true,
          },
          {
            message: "Contain at least %d of the following %d types of characters:",
            code: "containsAtLeast",
            format: [3, 4],
            items: [
              { message: "lower case letters (a-z)", code: "lowerCase", verified: true },
              { message: "upper case letters (A-Z)", code: "upperCase", verified: false },
              { message: "numbers (i.e. 0-9)", code: "numbers", verified: false },
              {
                message: "special characters (e.g. !@#$%^&*)",
                code: "specialCharacters",
                verified: true,
              },
            ],
            verified: false,
          },
          {
            message: 'No more than %d identical characters in a row (e.g., "%s" not allowed)',
            code: "identicalChars",
            format: [2, "aaa"],
            verified: false,
          },
        ],
        verified: false,
      },
      policy: [
        "* At least 10 characters in length",
        "* Contain at least 3 of the following 4 types of characters:",
        " * lower case letters (a-z)",
        " * upper case letters (A-Z)",
        " * numbers (i.e. 0-9)",
        " * special characters (e.g. !@#$%^&*)",
        '* No more than 2 identical characters in a row (e.g., "aaa" not allowed)',
      ].join("\n"),
      statusCode: 400,
    });

    const fair = await signup({
      email: "fair@example.com",
      connection: "fair-db",
      password: "lowercase only",
    });
    const fairBody = (await fair.json()) as { description: { rules: unknown[] } };
    expect(fairBody.description.rules[1]).toEqual({
      message: "Should contain:",
      code: "shouldContain",
      items: [
        { message: "lower case letters (a-z)", code: "lowerCase", verified: true },
        { message: "upper case letters (A-Z)", code: "upperCase", verified: false },
        { message: "numbers (i.e. 0-9)", code: "numbers", verified: false },
      ],
      verified: false,
    });
  });

  it("answers PasswordDictionaryError and PasswordNoUserInfoError as Auth0 does", async () => {
    const common = await signup({ email: "common@example.com", password: "password123456789" });
    expect(await common.json()).toEqual({
      name: "PasswordDictionaryError",
      message: "Password is too common",
      code: "invalid_password",
      description: "Password is not allowed, it might be too common.",
      statusCode: 400,
    });
    const personal = await signup({
      email: "kestrel.watcher@example.com",
      password: "the kestrel.watcher flies high",
    });
    expect(await personal.json()).toEqual({
      name: "PasswordNoUserInfoError",
      message: "Password contains user information",
      code: "invalid_password",
      description: "Password is based on user information",
      statusCode: 400,
    });
  });

  it("refuses a closed signup, unknown connections, non-database ones and unknown clients", async () => {
    const closed = await signup({ email: "closed@example.com", connection: "closed-db" });
    expect(closed.status).toBe(400);
    expect(await closed.json()).toEqual({ error: "public signup is disabled" });
    const unknown = await signup({ email: "x@example.com", connection: "nope" });
    expect(await unknown.json()).toEqual({
      error: "connection_not_found",
      error_description: "The connection does not exist.",
    });
    const google = await signup({ email: "x@example.com", connection: "google" });
    expect(await google.json()).toMatchObject({ error: "invalid_request" });
    const client = await signup({ email: "x@example.com", client_id: "nope" });
    expect(client.status).toBe(400);
    expect(await client.json()).toEqual({
      error: "invalid_client",
      error_description: "Unknown client.",
    });
  });

  it.each([
    [{ client_id: undefined }, "Missing required parameter: client_id"],
    [{ email: undefined }, "Missing required parameter: email"],
    [{ email: ["a@example.com", "b@example.com"] }, "email must be a string."],
    [{ email: "not-an-email" }, "email is not a valid email address."],
    [{ password: undefined }, "Missing required parameter: password"],
    [{ password: 12345 }, "password must be a string."],
    [{ connection: undefined }, "Missing required parameter: connection"],
    [{ connection: "a\u0000b" }, "connection must not contain control characters."],
    [
      { username: "no spaces please" },
      "username may contain letters, digits and _+-.!#$'^`~@ only.",
    ],
    [{ given_name: "x".repeat(151) }, "given_name must be at most 150 characters."],
    [{ picture: "javascript:alert(1)" }, "picture must be an http or https URL."],
    [{ user_metadata: "plan=gold" }, "user_metadata must be a JSON object."],
    [{ user_metadata: [1] }, "user_metadata must be a JSON object."],
    [
      { user_metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])) },
      "user_metadata must have at most 10 properties.",
    ],
    [
      { user_metadata: { plan: 1 } },
      "user_metadata values must be strings of at most 500 characters.",
    ],
    [
      { user_metadata: { plan: "x".repeat(501) } },
      "user_metadata values must be strings of at most 500 characters.",
    ],
    [
      { user_metadata: { plan: "a\u0000b" } },
      "user_metadata values must be strings of at most 500 characters.",
    ],
    [
      { user_metadata: { ["k".repeat(101)]: "v" } },
      expect.stringMatching(/^user_metadata property names/),
    ],
    [{ name: "\ud800" }, "The request body must be well-formed Unicode (no lone surrogates)."],
  ])("refuses %j with invalid_request, never a 500", async (fields, description) => {
    const response = await signup({ email: "bad-input@example.com", ...fields });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "invalid_request",
      error_description: description,
    });
  });

  it("answers 413 past 16 KB and 415 for other content types", async () => {
    const big = await signup({ email: "big@example.com", name: "x".repeat(17 * 1024) });
    expect(big.status).toBe(413);
    const text = await post("email=x", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
  });

  it("limits each IP, refusals included, with rate-limit headers and Retry-After", async () => {
    const ip = { "x-forwarded-for": "192.0.2.77" };
    const first = await signup({ email: "limit-1@example.com" }, ip);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("3");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
    expect((await signup({ email: "limit-1@example.com" }, ip)).status).toBe(400);
    expect((await signup({ email: "limit-2@example.com", client_id: "nope" }, ip)).status).toBe(
      400,
    );
    const limited = await signup({ email: "limit-3@example.com" }, ip);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: "too_many_requests" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(
      (await signup({ email: "limit-3@example.com" }, { "x-forwarded-for": "192.0.2.78" })).status,
    ).toBe(200);
  });

  it("lets a registered web origin read the answer, and gives any other origin no CORS header", async () => {
    const preflight = await fetch(`${passdesk.url}/dbconnections/signup`, {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,auth0-client",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const allowed = await signup({ email: "cors@example.com" }, { origin: ORIGIN });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const other = await signup({ email: "cors-2@example.com" }, { origin: "https://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const otherPreflight = await fetch(`${passdesk.url}/dbconnections/signup`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(otherPreflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(otherPreflight.headers.get("access-control-allow-methods")).toBeNull();
  });
});
