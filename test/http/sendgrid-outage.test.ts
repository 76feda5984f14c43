import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

const USERS = Array.from({ length: 6 }, (_, i) => `outage${i}@example.com`);

describe.each(backends)("a SendGrid outage on %s", (backend) => {
  let passdesk: TestPassdesk;
  let sendgrid: FakeSendGrid;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    passdesk = await startTestPassdesk(
      backend,
      {
        SENDGRID_API_KEY: "SG.outage",
        SENDGRID_API_URL: sendgrid.url,
        SENDGRID_TIMEOUT_MILLIS: "500",
      },
      {
        async seed(repo) {
          for (const email of USERS) await createTestUser(repo, email);
        },
      },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
    await sendgrid?.close();
  });

  async function requestReset(email: string | undefined) {
    const response = await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);
  }

  it("500s, a 429 with Retry-After and a hang are retried until every email is sent once", {
    timeout: 60_000,
  }, async () => {
    sendgrid.failWith(500, { times: 4 });
    for (const email of USERS) await requestReset(email);
    const delivered = await sendgrid.waitForEmails(USERS.length, 30_000);
    expect(delivered.flatMap((email) => email.to).sort()).toEqual([...USERS].sort());
    expect(sendgrid.requests.filter((request) => request.status === 500)).toHaveLength(4);

    sendgrid.failWith(429, { times: 1, retryAfter: "1" });
    await requestReset(USERS[0]);
    await sendgrid.waitForEmails(USERS.length + 1, 30_000);
    expect(sendgrid.requests.filter((request) => request.status === 429)).toHaveLength(1);

    sendgrid.hang(1);
    await requestReset(USERS[1]);
    const after = await sendgrid.waitForEmails(USERS.length + 2, 30_000);
    expect(sendgrid.requests.filter((request) => request.status === null)).toHaveLength(1);
    expect(after.slice(USERS.length).flatMap((email) => email.to)).toEqual([USERS[0], USERS[1]]);
  });
});
