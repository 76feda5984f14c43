import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";

const VALID_BODY = {
  personalizations: [{ to: [{ email: "jane.doe@example.com" }] }],
  from: { email: "no-reply@passdesk.example", name: "Passdesk" },
  subject: "Reset",
  content: [
    { type: "text/plain", value: "link" },
    { type: "text/html", value: "<p>link</p>" },
  ],
  custom_args: { passdesk_ref: "msg_1" },
};

let fake: FakeSendGrid;

beforeEach(async () => {
  fake = await startFakeSendGrid();
});

afterEach(async () => {
  await fake.close();
});

function post(body: unknown, headers: Record<string, string> = { Authorization: "Bearer SG.x" }) {
  return fetch(`${fake.url}/v3/mail/send`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("the fake SendGrid server", () => {
  it("accepts a valid Mail Send request with 202 and an X-Message-Id", async () => {
    const response = await post(VALID_BODY);

    expect(response.status).toBe(202);
    expect(response.headers.get("x-message-id")).toBe(fake.sentEmails()[0]?.messageId);
  });

  it("answers 400 with SendGrid-shaped errors when the body breaks the schema", async () => {
    const response = await post({ ...VALID_BODY, content: [{ type: "text/plain", value: "" }] });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toMatch(/content\/0\/value/);
    expect(fake.sentEmails()).toEqual([]);
  });

  it("answers 401 without a bearer token", async () => {
    expect((await post(VALID_BODY, {})).status).toBe(401);
  });

  it("fails only as many times as it is told, then accepts again", async () => {
    fake.failWith(500, { times: 2 });

    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await post(VALID_BODY)).status);

    expect(statuses).toEqual([500, 500, 202]);
  });

  it("hangs the next request, answers the one after", async () => {
    fake.hang(1);
    const hanging = post(VALID_BODY).catch(() => "closed");

    expect((await post(VALID_BODY)).status).toBe(202);
    expect(fake.requests.map((request) => request.status)).toEqual([null, 202]);
    await fake.close();
    expect(await hanging).toBe("closed");
    fake = await startFakeSendGrid();
  });

  it("delays each answer when told to", async () => {
    fake.delayResponses(150);
    const started = Date.now();

    await post(VALID_BODY);

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("lets a test wait for emails sent in the background", async () => {
    setTimeout(() => void post(VALID_BODY), 50);

    const emails = await fake.waitForEmails(1, 2_000);

    expect(emails[0]).toMatchObject({ to: ["jane.doe@example.com"], subject: "Reset" });
    await expect(fake.waitForEmails(2, 50)).rejects.toThrow(/1 of 2 emails/);
  });
});
