import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

const SUCCESS = "We've just sent you an email to reset your password.";

describe.each(backends)("POST /dbconnections/change_password on %s", (backend) => {
  let passdesk: TestPassdesk;
  let sendgrid: FakeSendGrid;
  let clientId: string;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    passdesk = await startTestPassdesk(
      backend,
      {
        SENDGRID_API_KEY: "SG.test-key",
        SENDGRID_API_URL: sendgrid.url,
        TRUST_PROXY: "1",
        RATE_LIMIT_PER_IP_BURST: "30",
        // Slow refill, so a loaded machine sending the burst slowly cannot earn a token back.
        RATE_LIMIT_PER_IP_PER_MINUTE: "1",
        // known@example.com is asked for in many tests here; each must still get its email.
        RATE_LIMIT_PER_RECIPIENT_BURST: "1000",
      },
      {
        async seed(repo) {
          await createTestUser(repo, "known@example.com");
          const blocked = await createTestUser(repo, "blocked@example.com");
          await repo.users.setBlocked(blocked.id, true);
          await repo.connections.add({ name: "other-db", strategy: "database" });
          await repo.connections.add({ name: "google", strategy: "google-oauth2" });
          clientId = (
            await repo.clients.add({ name: "Web", webOrigins: ["https://app.example.com"] })
          ).clientId;
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
    await sendgrid?.close();
  });

  let ipCounter = 0;
  function post(body: unknown, headers: Record<string, string> = {}) {
    const json = typeof body === "string" ? body : JSON.stringify(body);
    return fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": `198.51.100.${++ipCounter % 250}`,
        ...headers,
      },
      body: json,
    });
  }

  async function expectError(
    response: Response,
    status: number,
    error: string,
    description?: string,
  ) {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as { error_description: string };
    expect(body).toEqual({ error, error_description: expect.any(String) });
    if (description) expect(body.error_description).toBe(description);
  }

  it("answers 200 with Auth0's exact text for JSON and for form bodies", async () => {
    const json = await post({ email: "known@example.com", connection: DEFAULT_CONNECTION });
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await json.text()).toBe(SUCCESS);
    const form = await post(`email=known%40example.com&connection=${DEFAULT_CONNECTION}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(200);
    expect(await form.text()).toBe(SUCCESS);
  });

  it("answers known, unknown, blocked and other-connection emails identically", async () => {
    const answers = [];
    for (const email of ["known@example.com", "unknown@example.com", "blocked@example.com"]) {
      const response = await post({ email, connection: DEFAULT_CONNECTION });
      answers.push({
        status: response.status,
        type: response.headers.get("content-type"),
        body: await response.text(),
      });
    }
    const other = await post({ email: "known@example.com", connection: "other-db" });
    answers.push({
      status: other.status,
      type: other.headers.get("content-type"),
      body: await other.text(),
    });
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    const sent = await sendgrid.waitForEmails(1);
    expect(sent.every((email) => email.to.every((to) => to === "known@example.com"))).toBe(true);
  });

  it("refuses bad input with invalid_request, never a 500", async () => {
    await expectError(await post({ connection: DEFAULT_CONNECTION }), 400, "invalid_request");
    await expectError(
      await post({ email: ["a@example.com", "b@example.com"], connection: DEFAULT_CONNECTION }),
      400,
      "invalid_request",
    );
    await expectError(
      await post("email=a%40example.com&email=attacker%40evil.example&connection=x", {
        "content-type": "application/x-www-form-urlencoded",
      }),
      400,
      "invalid_request",
    );
    await expectError(
      await post({ email: `${"a".repeat(250)}@example.com`, connection: DEFAULT_CONNECTION }),
      400,
      "invalid_request",
    );
    await expectError(
      await post({ email: "not-an-email", connection: DEFAULT_CONNECTION }),
      400,
      "invalid_request",
    );
    await expectError(
      await post({ email: "a@example.com\r\nBcc: x@evil.example", connection: DEFAULT_CONNECTION }),
      400,
      "invalid_request",
    );
    await expectError(await post({ email: "a@example.com" }), 400, "invalid_request");
    await expectError(
      await post({ email: "a@example.com", connection: DEFAULT_CONNECTION, password: "x" }),
      400,
      "invalid_request",
      "password is not allowed",
    );
    await expectError(await post("{not json"), 400, "invalid_request");
    await expectError(await post("[1,2]"), 400, "invalid_request");
    await expectError(
      await post({ email: { $ne: null }, connection: DEFAULT_CONNECTION }),
      400,
      "invalid_request",
    );
  });

  it("refuses a lone surrogate in any field with invalid_request, naming the field it reads", async () => {
    // As JSON escapes: the only way a body can carry one (UTF-8 has no bytes for it).
    const bodies = [
      `{"email":"\\ud800x@corp.example","connection":"${DEFAULT_CONNECTION}"}`,
      `{"email":"known@example.com","connection":"${DEFAULT_CONNECTION}\\udc00"}`,
      `{"email":"known@example.com","connection":"${DEFAULT_CONNECTION}","organization":"\\ud83d"}`,
      `{"email":"known@example.com","connection":"${DEFAULT_CONNECTION}","extra":{"\\ud800":1}}`,
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({
        error: "invalid_request",
        error_description: expect.stringMatching(/must be well-formed Unicode/),
      });
    }
    expect(await post(bodies[0] ?? "").then((r) => r.json())).toMatchObject({
      error_description: "email must be well-formed Unicode (no lone surrogates).",
    });
  });

  it("refuses unknown connections, non-database connections and unknown clients", async () => {
    await expectError(
      await post({ email: "a@example.com", connection: "nope" }),
      400,
      "connection_not_found",
    );
    await expectError(
      await post({ email: "a@example.com", connection: "google" }),
      400,
      "invalid_request",
      "password changes are only available for database connections",
    );
    await expectError(
      await post({ email: "a@example.com", connection: DEFAULT_CONNECTION, client_id: "unknown" }),
      400,
      "invalid_client",
    );
  });

  it("answers 413 for a chunked body over 10 KB, which declares no length", async () => {
    const json = JSON.stringify({
      email: "a@example.com",
      connection: DEFAULT_CONNECTION,
      pad: "x".repeat(11_000),
    });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(json));
        controller.close();
      },
    });
    await expectError(
      await fetch(`${passdesk.url}/dbconnections/change_password`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.251" },
        body: chunked,
        duplex: "half",
      }),
      413,
      "request_too_large",
    );
  });

  it("answers 413 for bodies over 10 KB and 415 for other content types", async () => {
    await expectError(
      await post({
        email: "a@example.com",
        connection: DEFAULT_CONNECTION,
        pad: "x".repeat(11_000),
      }),
      413,
      "request_too_large",
    );
    await expectError(
      await post("email=a@example.com", { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    const noType = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      body: new Uint8Array([1, 2]),
    });
    expect(noType.status).toBe(415);
  });

  it("limits each IP and email to a burst of 10, with rate-limit headers", async () => {
    const headers = { "x-forwarded-for": "192.0.2.10" };
    let last: Response | undefined;
    for (let i = 0; i < 10; i++) {
      last = await post({ email: "burst@example.com", connection: DEFAULT_CONNECTION }, headers);
      expect(last.status).toBe(200);
    }
    expect(last?.headers.get("x-ratelimit-limit")).toBe("10");
    expect(last?.headers.get("x-ratelimit-remaining")).toBe("0");
    const limited = await post(
      { email: "burst@example.com", connection: DEFAULT_CONNECTION },
      headers,
    );
    await expectError(limited, 429, "too_many_requests");
    // One token a minute: up to 60 s, less whatever trickled in while the burst was being sent.
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(30);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const reset = Number(limited.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThan(Date.now() / 1000 + 11 * 60);
  });

  it("caps one IP across many addresses, and trusts only the configured proxy hop", async () => {
    const spray = (i: number, xff: string) =>
      post(
        { email: `spray${i}@example.com`, connection: DEFAULT_CONNECTION },
        { "x-forwarded-for": xff },
      );
    for (let i = 0; i < 30; i++) expect((await spray(i, "192.0.2.20")).status).toBe(200);
    expect((await spray(30, "192.0.2.20")).status).toBe(429);
    // A client-written left-most entry changes nothing: the right-most hop is what the proxy saw.
    expect((await spray(31, "10.0.0.1, 192.0.2.20")).status).toBe(429);
    expect((await spray(32, "192.0.2.21")).status).toBe(200);
  });

  it("answers CORS for a client's web origin only, and sends other origins no CORS header at all", async () => {
    const preflight = (origin: string) =>
      fetch(`${passdesk.url}/dbconnections/change_password`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,auth0-client",
        },
      });
    const allowed = await preflight("https://app.example.com");
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
      "auth0-client",
    );
    const corsHeadersOf = (response: Response) =>
      [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));
    const denied = await preflight("https://evil.example");
    expect(denied.status).toBe(204);
    expect(corsHeadersOf(denied)).toEqual([]);
    const deniedPost = await post(
      { email: "known@example.com", connection: DEFAULT_CONNECTION },
      { origin: "https://evil.example" },
    );
    expect(deniedPost.status).toBe(200); // CORS is the browser's to enforce: it hides the answer
    expect(corsHeadersOf(deniedPost)).toEqual([]);
    // The answer depends on Origin, so shared caches must key on it.
    expect(deniedPost.headers.get("vary")).toBe("Origin");
    expect(deniedPost.headers.get("x-ratelimit-remaining")).not.toBeNull();
    const real = await post(
      { email: "known@example.com", connection: DEFAULT_CONNECTION, client_id: clientId },
      { origin: "https://app.example.com" },
    );
    expect(real.status).toBe(200);
    expect(real.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(real.headers.get("access-control-expose-headers")).toContain("X-RateLimit-Remaining");
    expect(real.headers.get("x-ratelimit-remaining")).not.toBeNull();
    expect(real.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const noOrigin = await post({ email: "known@example.com", connection: DEFAULT_CONNECTION });
    expect(noOrigin.status).toBe(200);
    expect(
      [...noOrigin.headers.keys()].filter((name) => name.startsWith("access-control-")),
    ).toEqual([]);
  });

  it("builds links from PUBLIC_URL, whatever Host header the request forged", async () => {
    const before = sendgrid.sentEmails().length;
    const response = await post(
      { email: "known@example.com", connection: DEFAULT_CONNECTION },
      { host: "evil.example", "x-forwarded-host": "evil.example" },
    );
    expect(response.status).toBe(200);
    const emails = await sendgrid.waitForEmails(before + 1);
    const latest = emails.at(-1);
    expect(latest?.text).toContain("https://passdesk.example.com/lo/reset?ticket=");
    expect(`${latest?.text}${latest?.html}`).not.toContain("evil.example");
  });
});
