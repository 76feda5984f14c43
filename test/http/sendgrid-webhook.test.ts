import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { createEventSigner, sendGridEvent } from "../support/sendgrid-events.ts";

describe.each(backends)("POST /webhooks/sendgrid on %s", (backend) => {
  const signer = createEventSigner();
  let passdesk: TestPassdesk;
  let sendgrid: FakeSendGrid;
  let ref = "";

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    passdesk = await startTestPassdesk(
      backend,
      {
        SENDGRID_API_KEY: "SG.webhook",
        SENDGRID_API_URL: sendgrid.url,
        SENDGRID_WEBHOOK_PUBLIC_KEY: signer.publicKey,
      },
      { seed: (repo) => createTestUser(repo, "webhook@example.com").then(() => undefined) },
    );
    await fetch(`${passdesk.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "webhook@example.com", connection: DEFAULT_CONNECTION }),
    });
    const [email] = await sendgrid.waitForEmails(1);
    ref = email?.customArgs.passdesk_ref ?? "";
    expect(ref).toMatch(/^msg_/);
  });
  afterAll(async () => {
    await passdesk?.close();
    await sendgrid?.close();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${passdesk.url}/webhooks/sendgrid`, { method: "POST", headers, body });

  it("refuses a missing, forged or re-signed-with-another-key signature with 401", async () => {
    const body = JSON.stringify([sendGridEvent(ref, "delivered")]);
    expect((await post(body, { "content-type": "application/json" })).status).toBe(401);
    const headers = signer.headers(body);
    expect((await post(`${body} `, headers)).status).toBe(401);
    expect((await post(body, createEventSigner().headers(body))).status).toBe(401);
    expect(
      (await post(body, { ...headers, "x-twilio-email-event-webhook-signature": "not base64 DER" }))
        .status,
    ).toBe(401);
  });

  it("answers 400, never 500, to a verified body with a lone surrogate or bytes that are not UTF-8", async () => {
    // JSON's \ud800 escape decodes to a lone surrogate, which no text column stores as sent.
    const surrogate = JSON.stringify([sendGridEvent(ref, "bounce")]).replace(
      '"bounce"',
      '"bounce","reason":"\\ud800"',
    );
    expect(JSON.parse(surrogate)[0].reason).toBe("\ud800");
    const notUtf8 = Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]); // ["\xff"]

    for (const body of [surrogate, notUtf8]) {
      const response = await fetch(`${passdesk.url}/webhooks/sendgrid`, {
        method: "POST",
        headers: signer.headers(body),
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_request" });
    }
  });

  it("accepts signed events, applies each once, ignores other emails' events, and refuses non-arrays", async () => {
    const delivered = sendGridEvent(ref, "delivered");
    const body = JSON.stringify([
      sendGridEvent(ref, "processed"),
      delivered,
      delivered,
      sendGridEvent("msg_not_ours", "bounce"),
      sendGridEvent(ref, "open"),
      { event: "delivered" },
    ]);
    expect((await post(body, signer.headers(body))).status).toBe(204);
    // A late "processed" (SendGrid does not order events) must not hide "delivered".
    const late = JSON.stringify([sendGridEvent(ref, "processed"), delivered]);
    expect((await post(late, signer.headers(late))).status).toBe(204);
    const notArray = JSON.stringify({ event: "delivered" });
    expect((await post(notArray, signer.headers(notArray))).status).toBe(400);
    const notJson = "{";
    expect((await post(notJson, signer.headers(notJson))).status).toBe(400);

    if (backend === "postgres") {
      const { handle, repo } = await passdesk.database.open();
      const email = await repo.outbox.findByRef(ref);
      expect(email?.deliveryStatus).toBe("delivered");
      const events = await handle.db.execute("select event from email_events order by id");
      const rows = Array.isArray(events) ? events : (events as { rows: unknown[] }).rows;
      expect(rows.map((row) => (row as { event: string }).event)).toEqual([
        "processed",
        "delivered",
        "processed",
      ]);
      await handle.close();
    }
  });
});
