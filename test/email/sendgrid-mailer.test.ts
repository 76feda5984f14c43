import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MailerError, type OutgoingEmail } from "../../src/email/mailer.ts";
import { createSendGridMailer } from "../../src/email/sendgrid-mailer.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";

const API_KEY = "SG.test-key-that-must-never-leak.0123456789";
const LINK = "https://passdesk.example/lo/reset?ticket=secret-token-abc";

const email: OutgoingEmail = {
  to: "jane.doe@example.com",
  from: "Passdesk <no-reply@passdesk.example>",
  subject: "Reset your Passdesk password",
  html: `<p>Reset: <a href="${LINK}">${LINK}</a></p>`,
  text: `Reset: ${LINK}`,
  ref: "msg_01J9ZQ4T3K",
};

let fake: FakeSendGrid;

beforeEach(async () => {
  fake = await startFakeSendGrid();
});

afterEach(async () => {
  await fake.close();
});

function createMailer(timeoutMillis = 5_000) {
  return createSendGridMailer({ apiKey: API_KEY, apiUrl: fake.url, timeoutMillis });
}

async function sendExpectingFailure(mailer = createMailer()): Promise<MailerError> {
  const error = await mailer.send(email).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MailerError);
  expectNoSecrets(error as MailerError);
  return error as MailerError;
}

// Errors get logged and stored: neither the key nor the link (the token) may appear in them.
function expectNoSecrets(error: MailerError): void {
  const cause = error.cause as Error | undefined;
  const rendered = [
    error.message,
    error.stack,
    JSON.stringify(error),
    JSON.stringify(error.details),
    cause?.message,
    cause?.stack,
    JSON.stringify(cause),
  ].join("\n");
  expect(rendered).not.toContain(API_KEY);
  expect(rendered).not.toContain("secret-token-abc");
}

describe("createSendGridMailer", () => {
  it("sends a request that is valid against SendGrid's Mail Send schema", async () => {
    await createMailer().send(email);

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe("/v3/mail/send");
    expect(fake.requests[0]?.schemaErrors).toEqual([]);
    expect(fake.sentEmails()).toMatchObject([
      {
        to: ["jane.doe@example.com"],
        from: { email: "no-reply@passdesk.example", name: "Passdesk" },
        subject: "Reset your Passdesk password",
        text: email.text,
        html: email.html,
      },
    ]);
  });

  it("turns click tracking off so the reset link is not rewritten", async () => {
    await createMailer().send(email);

    expect(fake.sentEmails()[0]?.trackingSettings).toEqual({
      click_tracking: { enable: false, enable_text: false },
    });
  });

  it("puts the opaque ref, and no personal data, in custom_args", async () => {
    await createMailer().send(email);

    const customArgs = fake.sentEmails()[0]?.customArgs;
    expect(customArgs).toEqual({ passdesk_ref: "msg_01J9ZQ4T3K" });
    expect(JSON.stringify(customArgs)).not.toContain("@");
  });

  it("authenticates with the API key as a bearer token", async () => {
    await createMailer().send(email);

    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("returns SendGrid's X-Message-Id as providerMessageId on 202", async () => {
    const sent = await createMailer().send(email);

    expect(sent.providerMessageId).toBe(fake.sentEmails()[0]?.messageId);
    expect(sent.providerMessageId).toMatch(/^fake-/);
  });

  it("does not share the default @sendgrid/mail singleton between mailers", async () => {
    const other = await startFakeSendGrid();
    try {
      await createMailer().send(email);
      await createSendGridMailer({ apiKey: API_KEY, apiUrl: other.url, timeoutMillis: 5_000 }).send(
        email,
      );
      expect([fake.requests.length, other.requests.length]).toEqual([1, 1]);
    } finally {
      await other.close();
    }
  });

  it("fails permanently on 400, with the provider's messages", async () => {
    fake.failWith(400, {
      messages: ["The from address does not match a verified Sender Identity."],
    });

    const error = await sendExpectingFailure();

    expect(error.failure).toBe("permanent");
    expect(error.details.status).toBe(400);
    expect(error.message).toContain("The from address does not match a verified Sender Identity.");
  });

  it("fails permanently on 401 without echoing the key", async () => {
    fake.failWith(401, { messages: [`The provided authorization grant is invalid: ${API_KEY}`] });

    const error = await sendExpectingFailure();

    expect(error.failure).toBe("permanent");
    expect(error.message).toContain("[redacted]");
  });

  it("is retryable on 429, after the seconds in Retry-After", async () => {
    fake.failWith(429, { retryAfter: "42" });

    const error = await sendExpectingFailure();

    expect(error.failure).toBe("retryable");
    expect(error.details).toMatchObject({ status: 429, retryAfterSeconds: 42 });
  });

  it("is retryable on 429, until X-RateLimit-Reset when there is no Retry-After", async () => {
    const nowMillis = 1_700_000_000_000;
    fake.failWith(429, { rateLimitReset: nowMillis / 1000 + 30 });
    const mailer = createSendGridMailer({
      apiKey: API_KEY,
      apiUrl: fake.url,
      timeoutMillis: 5_000,
      now: () => nowMillis,
    });

    const error = await sendExpectingFailure(mailer);

    expect(error.details).toMatchObject({ status: 429, retryAfterSeconds: 30 });
  });

  it("is retryable on 500", async () => {
    fake.failWith(500);

    const error = await sendExpectingFailure();

    expect(error.failure).toBe("retryable");
    expect(error.details.status).toBe(500);
    expect(error.details.outcomeUnknown).toBeUndefined();
  });

  it("is retryable with an unknown outcome when SendGrid does not answer in time", async () => {
    fake.hang();

    const started = Date.now();
    const error = await sendExpectingFailure(createMailer(200));

    expect(error.failure).toBe("retryable");
    expect(error.details.outcomeUnknown).toBe(true);
    expect(error.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("is retryable, and certainly not sent, when the connection is refused", async () => {
    const closedUrl = await findClosedPort();
    const mailer = createSendGridMailer({
      apiKey: API_KEY,
      apiUrl: closedUrl,
      timeoutMillis: 2_000,
    });

    const error = await sendExpectingFailure(mailer);

    expect(error.failure).toBe("retryable");
    expect(error.details.outcomeUnknown).toBe(false);
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("does not follow a redirect: the body, reset link included, goes to the configured host only", async () => {
    // A 307 keeps the method and the body: followed, it would hand the email to another host.
    const redirecting = createHttpServer((request, response) => {
      request.resume();
      response.writeHead(307, { Location: `${fake.url}/v3/mail/send` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const mailer = createSendGridMailer({
        apiKey: API_KEY,
        apiUrl: `http://127.0.0.1:${port}`,
        timeoutMillis: 2_000,
      });

      const error = await sendExpectingFailure(mailer);

      expect(error.failure).toBe("permanent");
      expect(error.details.status).toBe(307);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it("sends again once the provider has recovered", async () => {
    fake.failWith(503, { times: 1 });
    const mailer = createMailer();

    await sendExpectingFailure(mailer);
    const sent = await mailer.send(email);

    expect(sent.providerMessageId).toBeDefined();
    expect(fake.sentEmails()).toHaveLength(1);
  });

  it("keeps only a sanitised cause: no request config, no headers", async () => {
    fake.failWith(500);

    const error = await sendExpectingFailure();

    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object).sort()).toEqual([
      "name",
      "providerMessages",
      "status",
    ]);
  });

  it("can be logged by pino, cause included, without leaking the key or the link", async () => {
    fake.hang();
    const error = await sendExpectingFailure(createMailer(100));
    const lines: string[] = [];
    const logger = pino({}, { write: (line: string) => lines.push(line) });

    logger.error({ err: error }, "send failed");

    expect(lines.join("")).toContain("SendGridNetworkError");
    expect(lines.join("")).not.toContain(API_KEY);
    expect(lines.join("")).not.toContain("secret-token-abc");
  });
});

async function findClosedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}
